#!/bin/sh
# Starts the service; a non-zero exit leaves the machine in "stopped" for the next attempt.
exec systemctl start "${SERVICE}"
