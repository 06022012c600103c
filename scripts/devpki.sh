# Throw-away PKI for the demo and manual testing. Sourced; needs openssl.
# devpki_ca DIR             -> DIR/ca.pem, DIR/ca.key
# devpki_cert DIR NAME SANS -> DIR/NAME.pem, DIR/NAME.key (PKCS#1 RSA, EKU server+client)

devpki_ca() {
  local dir=$1
  mkdir -p "$dir"
  openssl genrsa -traditional -out "$dir/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 30 -subj "/CN=Choria Demo CA" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem" 2>/dev/null
}

devpki_cert() {
  local dir=$1 name=$2 sans=$3
  openssl genrsa -traditional -out "$dir/$name.key" 2048 2>/dev/null
  chmod 0640 "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "/CN=$name" -out "$dir/$name.csr" 2>/dev/null
  printf 'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' \
    "$sans" > "$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}
