#!/usr/bin/env bash
# Installs the xmlsec1 command line tool (Debian package xmlsec1) used by the
# SAML interoperability tests, when it is missing.
set -euo pipefail
command -v xmlsec1 >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq xmlsec1 >/dev/null
