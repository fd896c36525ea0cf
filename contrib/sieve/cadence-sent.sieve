# cadence-sent.sieve - files cadence's copy of a sequence email into the
# rep's Sent folder (Dovecot/Pigeonhole; issue #12).
#
# cadenced sends each sequence email in one SMTP transaction to the contact
# and, as a second envelope recipient only, to the rep: with cadence.conf's
# default "RepCopy yes" that is rep+cadence-sent@domain (the contact never
# sees it: it is in no header). The copy is the same signed message, with the
# same Message-ID, so the rep's client threads the contact's reply under it.
#
# The rule matches the envelope, not a header: the message both get carries
# no marker. It files the message only when the mailbox owner is also its
# From (the copy of mail the rep sent), so a stranger's mail to the +cadence-sent
# address lands in the INBOX as any other mail. Better still, refuse that
# address from outside on the MX (Postfix, smtpd on port 25 only):
#   smtpd_recipient_restrictions = check_recipient_access
#       regexp:/etc/postfix/cadence-copy, ...
#   /etc/postfix/cadence-copy:  /\+cadence-sent@/  REJECT
#
# Needs recipient_delimiter = + in Postfix and Dovecot, and the original
# recipient passed to LMTP/LDA (Postfix's lmtp or "dovecot-lda -a
# ${original_recipient}"). Install for everyone as a sieve_before script:
#   plugin { sieve_before = /etc/dovecot/sieve/cadence-sent.sieve }
# then `sievec /etc/dovecot/sieve/cadence-sent.sieve`. If RepCopy names another
# pattern, change "cadence-sent" below to match it.

require ["envelope", "subaddress", "fileinto", "mailbox", "variables", "imap4flags"];

if envelope :detail "to" "cadence-sent" {
	if envelope :user :matches "to" "*" { set "me_user" "${1}"; }
	if envelope :domain :matches "to" "*" { set "me_domain" "${1}"; }
	if allof (address :localpart :is "from" "${me_user}",
		  address :domain :is "from" "${me_domain}") {
		addflag "\\Seen";
		fileinto :create "Sent";
		stop;
	}
}
