/* proto/status.c — data status names and the supersede rule. */
#include <string.h>

#include "err.h"
#include "status.h"

static const struct {
	const char *name, *zh;
	char sdmx;
} status_table[] = {
	[PW_ST_ESTIMATE] = { "estimate", "预计数", 'E' },
	[PW_ST_FLASH] = { "flash", "快报", 'P' },
	[PW_ST_PRELIMINARY] = { "preliminary", "初步核算", 'P' },
	[PW_ST_FINAL] = { "final", "最终核实", 'A' },
	[PW_ST_REVISED] = { "revised", "调整数", 'B' },
};

static int status_valid(int st)
{
	return st >= PW_ST_ESTIMATE && st <= PW_ST_REVISED;
}

int status_parse(const char *s)
{
	for (int st = PW_ST_ESTIMATE; st <= PW_ST_REVISED; st++)
		if (strcmp(s, status_table[st].name) == 0)
			return st;
	return PW_ESTATUS;
}

int status_parse_text(const char *s)
{
	static const struct {
		const char *name;
		int st;
	} alias[] = { { "初步核实", PW_ST_PRELIMINARY }, { "修订数", PW_ST_REVISED } };
	int st = status_parse(s);
	if (st > 0)
		return st;
	for (st = PW_ST_ESTIMATE; st <= PW_ST_REVISED; st++)
		if (strcmp(s, status_table[st].zh) == 0)
			return st;
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(s, alias[i].name) == 0)
			return alias[i].st;
	return PW_ESTATUS;
}

const char *status_name(int st)
{
	return status_valid(st) ? status_table[st].name : "unknown";
}

const char *status_name_zh(int st)
{
	return status_valid(st) ? status_table[st].zh : "未知";
}

char status_sdmx(int st)
{
	return status_valid(st) ? status_table[st].sdmx : 'M';
}

int status_may_replace(int cur, int next)
{
	if (next == PW_ST_REVISED)
		return 0;
	if (cur == PW_ST_FINAL || cur == PW_ST_REVISED)
		return PW_EFINAL;
	if (next < cur)
		return PW_EREGRESS;
	return 0;
}
