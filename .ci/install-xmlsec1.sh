#!/bin/sh
# Installs the xmlsec1 command line tool when it is missing. The SAML
# interoperability tests (sso/saml/interop_test.go) sign responses with it
# and fail under CI=true without it.
set -eu
if command -v xmlsec1 >/dev/null 2>&1; then
	xmlsec1 --version
	exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
fi
if command -v apt-get >/dev/null 2>&1; then
	$SUDO apt-get update
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends xmlsec1
elif command -v apk >/dev/null 2>&1; then
	$SUDO apk add --no-cache xmlsec
elif command -v brew >/dev/null 2>&1; then
	brew install libxmlsec1
else
	echo "install-xmlsec1: no supported package manager found" >&2
	exit 1
fi
xmlsec1 --version
