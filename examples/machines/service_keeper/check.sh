#!/bin/sh
# Exit 0 when the service is active; the machine runs this with only MACHINE_* , PATH and SERVICE set.
exec systemctl is-active --quiet "${SERVICE}"
