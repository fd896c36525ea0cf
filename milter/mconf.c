/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mconf.c - build, install, reference and reload the milter's running
 * configuration (see mconf.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mconf.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mconf *current;

struct mconf *mconf_build(const char *path, struct cad_err *err)
{
	struct mconf *mc = xcalloc(1, sizeof(*mc));
	mc->path = xstrdup(path);
	mkeys_init(&mc->dkim);
	/* conf_load() fills every key itself (defaults first): calling
	 * conf_defaults() before it would leak the first set of defaults */
	if (conf_load(path, &mc->conf, err) != 0)
		goto fail;
	if (mc->conf.secret_file == NULL || *mc->conf.secret_file == '\0') {
		cad_err_set(err, "%s: SecretFile is not set (cadencectl init makes one)", path);
		goto fail;
	}
	if (secret_load(mc->conf.secret_file, &mc->secret, err) != 0) {
		cad_err_prefix(err, "%s: SecretFile", path);
		goto fail;
	}
	inbound_config_init(&mc->icfg);
	mc->icfg.addrs.domain = mc->conf.domain;
	mc->icfg.addrs.enroll_prefix = mc->conf.enroll_prefix;
	mc->icfg.addrs.unsub_prefix = mc->conf.unsubscribe_prefix;
	mc->icfg.addrs.bounce_prefix = mc->conf.bounce_prefix;
	mc->icfg.actor = "milter";
	mc->icfg.act_on_unverified = mc->conf.act_on_unverified;
	mc->icfg.soft_bounce_threshold = mc->conf.soft_bounce_threshold;
	mc->icfg.ooo_default_days = mc->conf.ooo_default_days;
	mc->icfg.internal_domains = mc->conf.internal_domains;
	mc->icfg.ninternal_domains = mc->conf.ninternal_domains;
	mc->icfg.scheduling_services = mc->conf.scheduling_services;
	mc->icfg.nscheduling_services = mc->conf.nscheduling_services;
	if (netlist_parse(&mc->internal, mc->conf.internal_hosts, mc->conf.ninternal_hosts,
			  err) != 0) {
		cad_err_prefix(err, "%s", path);
		goto fail;
	}
	if (mc->conf.enroll_senders != NULL && *mc->conf.enroll_senders != '\0' &&
	    enroll_senders_load(&mc->enroll_senders, mc->conf.enroll_senders, err) != 0) {
		cad_err_prefix(err, "%s", path);
		goto fail;
	}
	if (mc->conf.key_table != NULL && *mc->conf.key_table != '\0') {
		if (mc->conf.signing_table == NULL || *mc->conf.signing_table == '\0') {
			cad_err_set(err, "%s: KeyTable is set but SigningTable is not", path);
			goto fail;
		}
		if (mkeys_load(&mc->dkim, mc->conf.key_table, mc->conf.signing_table,
				     err) != 0)
			goto fail;
	} else if (mc->conf.signing_table != NULL && *mc->conf.signing_table != '\0') {
		cad_err_set(err, "%s: SigningTable is set but KeyTable is not", path);
		goto fail;
	}
	return mc;
fail:
	mconf_destroy(mc);
	return NULL;
}

void mconf_destroy(struct mconf *mc)
{
	if (mc == NULL)
		return;
	conf_free(&mc->conf);
	secret_free(&mc->secret);
	mkeys_free(&mc->dkim);
	netlist_free(&mc->internal);
	enroll_senders_free(&mc->enroll_senders);
	free(mc->path);
	free(mc);
}

void mconf_install(struct mconf *mc)
{
	struct mconf *old;
	pthread_mutex_lock(&lock);
	old = current;
	mc->refs++;              /* the "current" reference */
	current = mc;
	if (old != NULL && --old->refs == 0) {
		pthread_mutex_unlock(&lock);
		mconf_destroy(old);
		return;
	}
	pthread_mutex_unlock(&lock);
}

struct mconf *mconf_acquire(void)
{
	struct mconf *mc;
	pthread_mutex_lock(&lock);
	mc = current;
	if (mc != NULL)
		mc->refs++;
	pthread_mutex_unlock(&lock);
	return mc;
}

void mconf_release(struct mconf *mc)
{
	int gone;
	if (mc == NULL)
		return;
	pthread_mutex_lock(&lock);
	gone = --mc->refs == 0;
	pthread_mutex_unlock(&lock);
	if (gone)
		mconf_destroy(mc);
}

int mconf_reload(struct cad_err *err)
{
	struct mconf *cur = mconf_acquire();
	struct mconf *mc;
	if (cur == NULL)
		return cad_err_set(err, "no configuration installed");
	mc = mconf_build(cur->path, err);
	mconf_release(cur);
	if (mc == NULL)
		return -1;
	mconf_install(mc);
	return 0;
}

void mconf_shutdown(void)
{
	struct mconf *old;
	pthread_mutex_lock(&lock);
	old = current;
	current = NULL;
	pthread_mutex_unlock(&lock);
	mconf_release(old);
}
