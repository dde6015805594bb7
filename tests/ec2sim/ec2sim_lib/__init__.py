# SPDX-License-Identifier: ISC
"""ec2sim: a strict local EC2/STS endpoint for vpcesd's tests, demo and benchmarks.

vpcesd cannot reach AWS from its test machines, so everything that talks to
EC2 is proven against this package.  It is strict where EC2 is strict (SigV4,
the botocore model, EC2's error codes and XML) so that a client bug fails
here rather than in production.  Standard library only, plus Debian's
python3-botocore for the EC2 request model.
"""
