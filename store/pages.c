/* store/pages.c — checks data.mdb page by page with pread(2), before LMDB maps it.
 *
 * Why: LMDB trusts its file. A file cut short is mapped anyway and the first touch of a
 * missing page is SIGBUS; a garbage page is followed as if it were a B-tree node (SIGSEGV,
 * or an mdb_assert abort); zeroed pages hide whole tables. None of that is an error code
 * LMDB could return, so the store reads the file itself first, through pread (a short
 * read is an error, never a signal), and refuses it with the reason.
 *
 * What is checked, for LMDB 0.9's on-disk format (the format Debian 12's liblmdb 0.9.24
 * writes; lmdb.h's MDB_VERSION_MAJOR 0): both meta pages (magic, version, page size); the
 * newest one sits in the slot its transaction id selects (txnid & 1) and its last page lies
 * inside the file; every page of the free-list tree, the main
 * tree and each named tree reached from it: its number is its position, it is reached once,
 * it is a branch or leaf page whose node offsets and sizes lie inside it, keys ascend, every
 * leaf is at the tree's recorded depth, overflow runs stay below the last page; each
 * tree's page and entry counts equal the ones LMDB recorded for it; and the free-page lists
 * name only pages inside the file that no tree uses, each once. mdb_stat(1) -a reads
 * the same counts; this is a strict form of LMDB's own consistency. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../proto/err.h"
#include "store_int.h"

#define MDB_MAGIC 0xBEEFC0DEu
#define MDB_DATA_VERSION 1u
#define PAGEHDRSZ 16u
#define NODESIZE 8u
#define P_BRANCH 0x01u
#define P_LEAF 0x02u
#define P_OVERFLOW 0x04u
#define P_META 0x08u
#define F_BIGDATA 0x01u
#define F_SUBDATA 0x02u
#define F_DUPDATA 0x04u
#define P_INVALID (~(uint64_t)0)
#define DB_REC 48u      /* sizeof(MDB_db) on a 64-bit build */
#define META_OFF PAGEHDRSZ
#define MAX_DEPTH 32    /* LMDB's CURSOR_STACK */
#define KEY_MAX 511     /* LMDB's default maximum key size */

/* One tree's record (MDB_db): where it starts and what LMDB counted in it. */
struct tree {
	char name[32]; /* a named table's name, for messages */
	uint16_t flags, depth;
	uint64_t branch, leaf, overflow, entries, root;
};

struct walk {
	int fd;
	uint64_t psize, last_pg, file_size;
	uint8_t *seen;     /* a bit per page */
	uint8_t *page[MAX_DEPTH + 1];
	uint8_t *ovf;      /* an overflow page's header */
	struct tree found; /* counted while walking one tree */
	uint8_t last_key[KEY_MAX];
	size_t last_key_len;
	bool have_key;
	bool free_lists; /* walking the free-page tree: its values are page lists */
	char *why;
	size_t cap;
};

static uint64_t le(const uint8_t *p, size_t n)
{
	return bytes_get_le(p, n);
}

/* Sets the reason (the first one wins) and returns PW_EDAMAGED. */
static int damaged(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	if (w->why && w->cap && !w->why[0]) {
		va_start(ap, fmt);
		vsnprintf(w->why, w->cap, fmt, ap);
		va_end(ap);
	}
	return PW_EDAMAGED;
}

static int read_at(struct walk *w, uint8_t *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(w->fd, buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return PW_ESYS;
		if (r == 0)
			return damaged(w, "page at byte %llu lies past the end of the file",
				       (unsigned long long)off);
		got += (size_t)r;
	}
	return 0;
}

static void tree_decode(struct tree *t, const uint8_t *p)
{
	t->flags = (uint16_t)le(p + 4, 2);
	t->depth = (uint16_t)le(p + 6, 2);
	t->branch = le(p + 8, 8);
	t->leaf = le(p + 16, 8);
	t->overflow = le(p + 24, 8);
	t->entries = le(p + 32, 8);
	t->root = le(p + 40, 8);
}

/* Marks pages [pg, pg + n) as reached; each page may be reached once. */
static int mark(struct walk *w, uint64_t pg, uint64_t n, const char *what)
{
	if (pg < 2 || n == 0 || pg > w->last_pg || n > w->last_pg - pg + 1)
		return damaged(w, "%s points to page %llu (+%llu), outside pages 2..%llu", what,
			       (unsigned long long)pg, (unsigned long long)n,
			       (unsigned long long)w->last_pg);
	for (uint64_t p = pg; p < pg + n; p++) {
		if (w->seen[p / 8] & (1u << (p % 8)))
			return damaged(w, "page %llu is reached twice", (unsigned long long)p);
		w->seen[p / 8] |= (uint8_t)(1u << (p % 8));
	}
	return 0;
}

/* Keys ascend across the tree: in LMDB's default order (memcmp, then the shorter first),
 * in the free tree as integers. */
static int key_order(struct walk *w, const uint8_t *k, size_t n, uint64_t pg)
{
	if (n > KEY_MAX)
		return damaged(w, "page %llu holds a key of %zu bytes", (unsigned long long)pg, n);
	if (w->have_key && w->free_lists) {
		/* The free tree is MDB_INTEGERKEY: txn ids in native (little-endian) order. */
		if (n != 8 || w->last_key_len != 8 || le(k, 8) <= le(w->last_key, 8))
			return damaged(w, "keys out of order on page %llu", (unsigned long long)pg);
	} else if (w->have_key) {
		size_t m = n < w->last_key_len ? n : w->last_key_len;
		int c = memcmp(k, w->last_key, m);
		if (c < 0 || (c == 0 && n <= w->last_key_len))
			return damaged(w, "keys out of order on page %llu", (unsigned long long)pg);
	}
	memcpy(w->last_key, k, n);
	w->last_key_len = n;
	w->have_key = true;
	return 0;
}

static int walk_page(struct walk *w, uint64_t pg, unsigned level, const struct tree *t,
		     struct tree *subs, size_t *n_subs, size_t max_subs);

/* A free-page list (LMDB's IDL: a count, then page numbers in descending order): every page
 * in it lies inside the file and is in no tree and in no other list. LMDB takes pages from
 * these lists for its next write, so a wrong one would overwrite live data. */
static int check_idl(struct walk *w, const uint8_t *d, uint64_t dsz, uint64_t pg)
{
	if (dsz < 8 || dsz % 8 || le(d, 8) != dsz / 8 - 1)
		return damaged(w, "free-page list on page %llu: %llu bytes for %llu pages",
			       (unsigned long long)pg, (unsigned long long)dsz,
			       (unsigned long long)(dsz >= 8 ? le(d, 8) : 0));
	uint64_t n = dsz / 8 - 1, last = UINT64_MAX;
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t f = le(d + 8 * i, 8);
		if (f >= last)
			return damaged(w, "free-page list on page %llu is out of order",
				       (unsigned long long)pg);
		last = f;
		if (f < 2 || f > w->last_pg)
			return damaged(w, "free-page list on page %llu names page %llu",
				       (unsigned long long)pg, (unsigned long long)f);
		if (w->seen[f / 8] & (1u << (f % 8)))
			return damaged(w, "page %llu is both free and in use (or free twice)",
				       (unsigned long long)f);
		w->seen[f / 8] |= (uint8_t)(1u << (f % 8));
	}
	return 0;
}

/* The value of a free-tree leaf kept in an overflow run starting at opg. */
static int check_idl_overflow(struct walk *w, uint64_t opg, uint64_t dsz, uint64_t pg)
{
	uint8_t *d = malloc(dsz ? (size_t)dsz : 1);
	int rc;
	if (!d)
		return PW_ENOMEM;
	rc = read_at(w, d, (size_t)dsz, opg * w->psize + PAGEHDRSZ);
	if (rc == 0)
		rc = check_idl(w, d, dsz, pg);
	free(d);
	return rc;
}

static int leaf_node(struct walk *w, const uint8_t *pp, const uint8_t *node, uint64_t pg,
		     struct tree *subs, size_t *n_subs, size_t max_subs)
{
	uint64_t dsz = le(node, 2) | le(node + 2, 2) << 16;
	unsigned flags = (unsigned)le(node + 4, 2), ksize = (unsigned)le(node + 6, 2);
	size_t off = (size_t)(node - pp);
	int rc;

	if (flags & ~(F_BIGDATA | F_SUBDATA) || (flags & F_DUPDATA))
		return damaged(w, "page %llu: node flags %#x", (unsigned long long)pg, flags);
	if (off + NODESIZE + ksize > w->psize)
		return damaged(w, "page %llu: a key runs past the page", (unsigned long long)pg);
	if ((rc = key_order(w, node + NODESIZE, ksize, pg)) < 0)
		return rc;
	const uint8_t *data = node + NODESIZE + ksize;
	if (flags & F_BIGDATA) {
		if (off + NODESIZE + ksize + 8 > w->psize)
			return damaged(w, "page %llu: an overflow pointer runs past the page",
				       (unsigned long long)pg);
		uint64_t opg = le(data, 8);
		if (opg < 2 || opg > w->last_pg)
			return damaged(w, "page %llu points to overflow page %llu",
				       (unsigned long long)pg, (unsigned long long)opg);
		if ((rc = read_at(w, w->ovf, PAGEHDRSZ, opg * w->psize)) < 0)
			return rc;
		uint64_t n = le(w->ovf + 12, 4);
		if (le(w->ovf, 8) != opg || !(le(w->ovf + 10, 2) & P_OVERFLOW) ||
		    dsz + PAGEHDRSZ > n * w->psize)
			return damaged(w, "overflow page %llu is not the run page %llu points to",
				       (unsigned long long)opg, (unsigned long long)pg);
		w->found.overflow += n;
		if ((rc = mark(w, opg, n, "an overflow node")) < 0)
			return rc;
		return w->free_lists ? check_idl_overflow(w, opg, dsz, pg) : 0;
	}
	if (off + NODESIZE + ksize + dsz > w->psize)
		return damaged(w, "page %llu: a value runs past the page", (unsigned long long)pg);
	if (w->free_lists) {
		if (ksize != 8 || (flags & F_SUBDATA))
			return damaged(w, "page %llu: a free-page list under a %u-byte key",
				       (unsigned long long)pg, ksize);
		return check_idl(w, data, dsz, pg);
	}
	if (flags & F_SUBDATA) {
		if (dsz != DB_REC || !subs || *n_subs == max_subs)
			return damaged(w, "page %llu: a named-table record of %llu bytes",
				       (unsigned long long)pg, (unsigned long long)dsz);
		struct tree *sub = &subs[(*n_subs)++];
		tree_decode(sub, data);
		snprintf(sub->name, sizeof(sub->name), "%.*s", ksize < 31 ? (int)ksize : 31,
			 (const char *)node + NODESIZE);
	}
	return 0;
}

static int walk_page(struct walk *w, uint64_t pg, unsigned level, const struct tree *t,
		     struct tree *subs, size_t *n_subs, size_t max_subs)
{
	uint8_t *p = w->page[level];
	int rc;

	if (level >= MAX_DEPTH || level >= t->depth)
		return damaged(w, "page %llu is deeper than its tree (depth %u)",
			       (unsigned long long)pg, t->depth);
	if ((rc = mark(w, pg, 1, "a branch node")) < 0 ||
	    (rc = read_at(w, p, w->psize, pg * w->psize)) < 0)
		return rc;
	uint64_t pgno = le(p, 8);
	unsigned flags = (unsigned)le(p + 10, 2), lower = (unsigned)le(p + 12, 2),
		 upper = (unsigned)le(p + 14, 2);
	if (pgno != pg)
		return damaged(w, "page %llu says it is page %llu (zeroed or overwritten)",
			       (unsigned long long)pg, (unsigned long long)pgno);
	bool leaf = flags == P_LEAF, branch = flags == P_BRANCH;
	if (!leaf && !branch)
		return damaged(w, "page %llu has flags %#x, neither branch nor leaf",
			       (unsigned long long)pg, flags);
	if (lower < PAGEHDRSZ || (lower - PAGEHDRSZ) % 2 || lower > upper || upper > w->psize)
		return damaged(w, "page %llu: free space %u..%u", (unsigned long long)pg, lower,
			       upper);
	unsigned n = (lower - PAGEHDRSZ) / 2;
	if (leaf != (level + 1u == t->depth))
		return damaged(w, "page %llu: a %s at level %u of a tree of depth %u",
			       (unsigned long long)pg, leaf ? "leaf" : "branch", level, t->depth);
	if (branch && n < 2)
		return damaged(w, "branch page %llu has %u keys", (unsigned long long)pg, n);
	if (leaf)
		w->found.leaf++, w->found.entries += n;
	else
		w->found.branch++;
	for (unsigned i = 0; i < n; i++) {
		/* Re-read the slot each time: walking a child reuses deeper buffers only. */
		unsigned ptr = (unsigned)le(p + PAGEHDRSZ + 2 * i, 2);
		if (ptr < upper || ptr + NODESIZE > w->psize)
			return damaged(w, "page %llu: node %u at offset %u", (unsigned long long)pg, i,
				       ptr);
		const uint8_t *node = p + ptr;
		if (leaf) {
			if ((rc = leaf_node(w, p, node, pg, subs, n_subs, max_subs)) < 0)
				return rc;
			continue;
		}
		unsigned ksize = (unsigned)le(node + 6, 2);
		if (ptr + NODESIZE + ksize > w->psize)
			return damaged(w, "page %llu: a key runs past the page", (unsigned long long)pg);
		uint64_t child = le(node, 2) | le(node + 2, 2) << 16 | le(node + 4, 2) << 32;
		if ((rc = walk_page(w, child, level + 1, t, subs, n_subs, max_subs)) < 0)
			return rc;
	}
	return 0;
}

/* Walks one tree and compares what it found with what LMDB recorded for it. */
static int walk_tree(struct walk *w, const struct tree *t, const char *name, struct tree *subs,
		     size_t *n_subs, size_t max_subs)
{
	int rc;
	memset(&w->found, 0, sizeof(w->found));
	w->have_key = false;
	if (t->root == P_INVALID) {
		if (t->depth || t->branch || t->leaf || t->overflow || t->entries)
			return damaged(w, "table %s has no root but records %llu entries", name,
				       (unsigned long long)t->entries);
		return 0;
	}
	if (t->depth == 0 || t->depth > MAX_DEPTH)
		return damaged(w, "table %s records depth %u", name, t->depth);
	if ((rc = walk_page(w, t->root, 0, t, subs, n_subs, max_subs)) < 0)
		return rc;
	if (w->found.branch != t->branch || w->found.leaf != t->leaf ||
	    w->found.overflow != t->overflow || w->found.entries != t->entries)
		return damaged(w, "table %s: %llu/%llu/%llu pages and %llu entries found, LMDB "
			       "recorded %llu/%llu/%llu and %llu", name,
			       (unsigned long long)w->found.branch, (unsigned long long)w->found.leaf,
			       (unsigned long long)w->found.overflow,
			       (unsigned long long)w->found.entries, (unsigned long long)t->branch,
			       (unsigned long long)t->leaf, (unsigned long long)t->overflow,
			       (unsigned long long)t->entries);
	return 0;
}

/* LMDB takes a named table's flags from its record, as it does the two trees' from the
 * meta page: a damaged flag word (DUPSORT, INTEGERKEY, ...) would send its cursors down
 * code paths that assert on records the store never wrote. The store creates every table
 * without flags (mdb_dbi_open(..., MDB_CREATE)), in every schema. */
static int named_flags(struct walk *w, const struct tree *t)
{
	if (t->flags & 0x7e)
		return damaged(w, "table %s records flags %#x; the store creates its tables "
			       "without flags", t->name, (unsigned)(t->flags & 0x7e));
	return 0;
}

/* Reads meta page i; 0 when it is a valid meta. */
static int read_meta(struct walk *w, int i, uint8_t m[PAGEHDRSZ + 136], uint64_t psize)
{
	int rc = read_at(w, m, PAGEHDRSZ + 136, (uint64_t)i * psize);
	if (rc < 0)
		return rc;
	if (le(m, 8) != (uint64_t)i || !(le(m + 10, 2) & P_META) ||
	    le(m + META_OFF, 4) != MDB_MAGIC || le(m + META_OFF + 4, 4) != MDB_DATA_VERSION)
		return damaged(w, "meta page %d is not an LMDB meta page", i);
	return 0;
}

int pages_check(const char *path, char *why, size_t cap)
{
	struct walk w = { .fd = -1, .why = why, .cap = cap };
	uint8_t m0[PAGEHDRSZ + 136], m1[PAGEHDRSZ + 136];
	struct stat st;
	struct tree subs[64];
	size_t n_subs = 0;
	int rc;

	if (why && cap)
		why[0] = '\0';
	if ((w.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : PW_ESYS;
	if (fstat(w.fd, &st) < 0) {
		rc = PW_ESYS;
		goto out_close;
	}
	w.file_size = (uint64_t)st.st_size;
	if (w.file_size == 0) {
		/* LMDB would make it a new store: the data it held would be gone unnoticed. */
		rc = damaged(&w, "data.mdb is empty (0 bytes); a store that never held data has no "
				 "data.mdb: remove it only if that is the case");
		goto out_close;
	}
	if ((rc = read_meta(&w, 0, m0, 0)) < 0)
		goto out_close;
	uint64_t psize = le(m0 + META_OFF + 24, 4); /* the free tree's md_pad holds it */
	if (psize < 512 || psize > 65536 || (psize & (psize - 1))) {
		rc = damaged(&w, "meta page 0 gives a page size of %llu", (unsigned long long)psize);
		goto out_close;
	}
	if ((rc = read_meta(&w, 1, m1, psize)) < 0)
		goto out_close;
	/* LMDB uses the meta page of the newer transaction, and a transaction reads meta page
	 * txnid & 1 (LMDB writes transaction t's meta there): a newest meta in the other slot
	 * sends it to the older meta's trees, which this check did not walk. */
	uint64_t t0 = le(m0 + META_OFF + 128, 8), t1 = le(m1 + META_OFF + 128, 8);
	const uint8_t *m = t1 > t0 ? m1 : m0;
	uint64_t txnid = t1 > t0 ? t1 : t0;
	if ((txnid & 1) != (t1 > t0)) {
		rc = damaged(&w, "meta page %d holds transaction %llu, which LMDB reads from meta "
				 "page %d", t1 > t0, (unsigned long long)txnid, (int)(txnid & 1));
		goto out_close;
	}
	/* LMDB takes its page size from the meta page it uses, which may be meta page 1: a page
	 * size there other than meta page 0's (0 divides by zero in mdb_env_open). LMDB writes
	 * the same in both. */
	if (le(m1 + META_OFF + 24, 4) != psize) {
		rc = damaged(&w, "meta page 1 gives a page size of %llu, meta page 0 %llu",
			     (unsigned long long)le(m1 + META_OFF + 24, 4), (unsigned long long)psize);
		goto out_close;
	}
	/* LMDB takes the two trees' flags from the meta page: a damaged flag word (e.g.
	 * DUPSORT on the free list) sends its cursor code to an assertion that aborts the
	 * process. Of LMDB's persistent flags (0x7e) the free list has INTEGERKEY only and
	 * the store's main table none. */
	uint64_t free_flags = le(m + META_OFF + 28, 2) & 0x7e;
	uint64_t main_flags = le(m + META_OFF + 76, 2) & 0x7e;
	if (free_flags != 0x08 || main_flags != 0) {
		rc = damaged(&w, "meta page %d gives table flags 0x%llx (free list) and 0x%llx "
				 "(main table), LMDB writes 0x8 and 0", t1 > t0,
			     (unsigned long long)free_flags, (unsigned long long)main_flags);
		goto out_close;
	}
	w.psize = psize;
	w.last_pg = le(m + META_OFF + 120, 8);
	if (w.last_pg < 1 || w.last_pg >= w.file_size / psize) { /* no overflow at 2^64 - 1 */
		rc = damaged(&w, "data.mdb is cut short: %llu bytes, its last page (%llu) needs "
				 "%llu", (unsigned long long)w.file_size,
			     (unsigned long long)w.last_pg,
			     (unsigned long long)((w.last_pg + 1) * psize));
		goto out_close;
	}
	rc = PW_ENOMEM;
	if (!(w.seen = calloc((size_t)(w.last_pg / 8 + 1), 1)) || !(w.ovf = malloc(PAGEHDRSZ)))
		goto out_free;
	for (int i = 0; i <= MAX_DEPTH; i++)
		if (!(w.page[i] = malloc((size_t)psize)))
			goto out_free;
	struct tree free_tree, main_tree;
	tree_decode(&free_tree, m + META_OFF + 24);
	tree_decode(&main_tree, m + META_OFF + 24 + DB_REC);
	if ((rc = walk_tree(&w, &main_tree, "(main)", subs, &n_subs, 64)) < 0)
		goto out_free;
	for (size_t i = 0; i < n_subs; i++)
		if ((rc = named_flags(&w, &subs[i])) < 0 ||
		    (rc = walk_tree(&w, &subs[i], subs[i].name, NULL, NULL, 0)) < 0)
			goto out_free;
	/* Last: its lists must name only pages that no tree uses. */
	w.free_lists = true;
	if ((rc = walk_tree(&w, &free_tree, "(free pages)", NULL, NULL, 0)) < 0)
		goto out_free;
	rc = 0;
out_free:
	for (int i = 0; i <= MAX_DEPTH; i++)
		free(w.page[i]);
	free(w.ovf);
	free(w.seen);
out_close:
	close(w.fd);
	return rc;
}
