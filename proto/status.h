/* proto/status.h — official data status of an observation (how final a figure is). */
#ifndef PW_STATUS_H
#define PW_STATUS_H

/* Ordered by maturity; "revised" is an explicit correction and may follow anything. */
enum pw_status {
	PW_ST_ESTIMATE = 1,    /* 预计数, SDMX OBS_STATUS E */
	PW_ST_FLASH = 2,       /* 快报, SDMX P */
	PW_ST_PRELIMINARY = 3, /* 初步核算 / 初步核实, SDMX P */
	PW_ST_FINAL = 4,       /* 最终核实, SDMX A */
	PW_ST_REVISED = 5,     /* 调整数 / 修订 (incl. 经普调整), SDMX B (break) or A */
};

/* Parses a status name ("estimate", "flash", "preliminary", "final", "revised").
 * Returns the enum value (> 0) or PW_ESTATUS. */
int status_parse(const char *s);
/* Parses a status as people write it: the English names above, or the Chinese ones
 * 预计数, 快报, 初步核算, 最终核实, 调整数, and the aliases 初步核实 (preliminary) and
 * 修订数 (revised). Returns the enum value or PW_ESTATUS. The wire uses status_parse. */
int status_parse_text(const char *s);
const char *status_name(int st); /* "unknown" for bad values */
const char *status_name_zh(int st);
char status_sdmx(int st); /* nearest SDMX OBS_STATUS code */

/* May a value of status `next` replace a stored value of status `cur`?
 * Returns 0, PW_EFINAL (final replaced by anything but revised) or PW_EREGRESS. */
int status_may_replace(int cur, int next);

#endif
