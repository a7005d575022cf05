#!/bin/sh
# (d) A PF reset while a VF is active, done by our PF side (prepare: ping without CTS and VF
# pools off; MAC reset: RSTI; reconfigure; PFRSTD: RSTD): our VF side must see it,
# re-initialise (same MAC, SET_LPE replayed), rebuild its rings, and traffic must resume.
RESET_CMD="touch /run/pf/reset"
PASS_TEXT="our PF reset the NIC under our VF; the VF saw the reset (RSTI or RSTD), re-initialised, traffic resumed"
. /mnt/host/c-our-pf-with-our-vf.sh
