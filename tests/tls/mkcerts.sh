#!/bin/sh
# SPDX-License-Identifier: ISC
# mkcerts.sh DIR: a throwaway CA and a server certificate for 127.0.0.1.
#
# Tests that speak HTTPS to a loopback endpoint (ec2sim, vpcesd's own TLS
# settings) need a certificate the client can verify with a CA bundle,
# exactly as in production: TLS verification is never switched off.  This
# writes, in DIR (created if needed, nothing else touched):
#   ca.pem ca.key          the CA (pass ca.pem as the CA bundle)
#   server.pem server.key  leaf for IP 127.0.0.1, ::1 and DNS localhost
# EC P-256 keys keep it fast; certificates are valid for 2 days.
set -eu
dir=${1:?usage: mkcerts.sh DIR}
mkdir -p "$dir"
cd "$dir"
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days 2 -subj "/CN=vpcesd test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out ca.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
openssl req -new -key server.key -subj "/CN=127.0.0.1" -out server.csr 2>/dev/null
printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" \
	"basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
	"extendedKeyUsage=serverAuth" >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 2 \
	-extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 600 ca.key server.key
