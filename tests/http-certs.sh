#!/bin/sh
# SPDX-License-Identifier: ISC
# http-certs.sh DIR: TLS material for tests/http.sh, made with the openssl CLI.
#
# The HTTP client must refuse every certificate that is not valid for the
# host it dialled, so the fixture needs one good chain and three bad ones:
#   ca.pem / good.{pem,key}          trusted CA, leaf for 127.0.0.1 + localhost
#   ca2.pem / ca2good.{pem,key}      a second CA (tests that an extra CA adds
#                                    to the store instead of replacing it)
#   rogue-ca.pem / untrusted.{pem,key}  leaf from a CA nobody trusts
#   expired.{pem,key}                trusted CA, validity entirely in the past
#   wronghost.{pem,key}              trusted CA, names only "wrong.example"
# EC P-256 keys keep generation fast.  Nothing here is secret or reused.
set -eu
dir=${1:?usage: http-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

newkey() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

mkca() { # name subject
	newkey "$1.key"
	openssl req -x509 -new -key "$1.key" -sha256 -days 30 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
}

# leaf NAME CA SAN [STARTDATE ENDDATE]: signed through `openssl ca`, the only
# CLI path in OpenSSL 3.0 that accepts explicit dates (for the expired cert).
leaf() {
	name=$1 ca=$2 san=$3
	newkey "$name.key"
	openssl req -new -key "$name.key" -subj "/CN=vpcesd test $name" -out "$name.csr"
	rm -rf "db-$name"
	mkdir "db-$name"
	: >"db-$name/index.txt"
	cat >"db-$name/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = db-$name/index.txt
new_certs_dir = db-$name
serial = db-$name/serial
default_md = sha256
policy = anything
copy_extensions = none
x509_extensions = leaf
unique_subject = no
[anything]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $san
CNF
	openssl rand -hex 8 >"db-$name/serial"
	if [ $# -ge 5 ]; then
		dates="-startdate $4 -enddate $5"
	else
		dates="-days 30"
	fi
	# shellcheck disable=SC2086
	openssl ca -batch -notext -config "db-$name/ca.cnf" -cert "$ca.pem" -keyfile "$ca.key" \
		$dates -in "$name.csr" -out "$name.pem" 2>/dev/null
	rm -rf "db-$name" "$name.csr"
}

mkca ca "vpcesd test CA"
mkca ca2 "vpcesd second test CA"
mkca rogue-ca "vpcesd untrusted CA"
leaf good ca "IP:127.0.0.1,DNS:localhost"
leaf ca2good ca2 "IP:127.0.0.1,DNS:localhost"
leaf untrusted rogue-ca "IP:127.0.0.1,DNS:localhost"
leaf expired ca "IP:127.0.0.1,DNS:localhost" 20200101000000Z 20200201000000Z
leaf wronghost ca "DNS:wrong.example"
