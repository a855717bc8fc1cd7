/* bluesky_text.c - the Bluesky connector's network-free work (see bluesky.h):
 * AT Protocol syntax validators, the record key derived from an idempotency
 * key, and rich-text facet detection.
 *
 * Facets follow Bluesky's reference client, @atproto/api 0.19 detectFacets
 * (rich-text/detection.js and util.js), rule for rule, because the same text
 * must get the same links whether it was posted from Tribu or from the app.
 * Its regular expressions run on UTF-16; here they become hand-written
 * scanners over UTF-8 that keep their semantics: JavaScript's \s (Unicode
 * White_Space plus U+FEFF), ASCII-only \b, the "must follow start,
 * whitespace or '('" rule, a match consuming text up to the next whitespace,
 * lengths counted in UTF-16 units where the reference counts them. Every
 * scanner moves forward only: linear time, no recursion.
 *
 * Bare domains and mentions need a known top-level domain: TLDS below is the
 * ASCII part of the IANA list as shipped by the npm package tlds 1.261.0,
 * which the reference uses (IDN TLDs cannot match: the domain pattern is
 * ASCII). */
#include "connectors/bluesky.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "core/arena.h"
#include "core/err.h"

/* ---- syntax -------------------------------------------------------------- */

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static bool in(const char *set, char c) { return c && strchr(set, c); }

/* A DNS label as handles and NSIDs use it: 1 to 63 of [a-zA-Z0-9-], no '-'
 * at either end. */
static bool label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool bsky_valid_handle(const char *s, size_t len)
{
	size_t start = 0, labels = 0;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!label_ok(s + start, i - start))
			return false;
		labels++;
		if (i == len && !is_alpha(s[start]))    /* the TLD starts with a letter */
			return false;
		start = i + 1;
	}
	return labels >= 2;
}

bool bsky_valid_did(const char *s, size_t len)
{
	size_t i = 4;
	if (len > 2048 || len < 7 || memcmp(s, "did:", 4) != 0)
		return false;
	while (i < len && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i == 4 || i >= len - 1 || s[i] != ':')
		return false;
	for (i++; i < len; i++)
		if (!is_alnum(s[i]) && !in("._:%-", s[i]))
			return false;
	return s[len - 1] != ':' && s[len - 1] != '%';
}

bool bsky_valid_nsid(const char *s, size_t len)
{
	size_t start = 0, segs = 0;
	if (len == 0 || len > 253 + 1 + 63 || !is_alpha(s[0]))
		return false;
	const char *last = memrchr(s, '.', len);
	if (!last)
		return false;
	for (size_t i = 0; i < (size_t)(last - s) + 1; i++) {
		if (s[i] != '.')
			continue;
		if (!label_ok(s + start, i - start))
			return false;
		segs++;
		start = i + 1;
	}
	size_t n = len - start;             /* the name: a letter, then letters and digits */
	if (segs < 2 || n == 0 || n > 63 || !is_alpha(s[start]))
		return false;
	for (size_t i = start; i < len; i++)
		if (!is_alnum(s[i]))
			return false;
	return true;
}

bool bsky_valid_rkey(const char *s, size_t len)
{
	if (len == 0 || len > 512 || (len == 1 && s[0] == '.') || (len == 2 && !memcmp(s, "..", 2)))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && !in("._:~-", s[i]))
			return false;
	return true;
}

static const char B32[] = "234567abcdefghijklmnopqrstuvwxyz";   /* base32-sortable */

bool bsky_valid_tid(const char *s, size_t len)
{
	if (len != BSKY_TID_LEN || !s[0] || !memchr(B32, s[0], 16))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!s[i] || !memchr(B32, s[i], 32))
			return false;
	return true;
}

bool bsky_valid_aturi(const char *s, size_t len)
{
	if (len > 8192 || len < 6 || memcmp(s, "at://", 5) != 0)
		return false;
	const char *p = s + 5, *end = s + len;
	const char *slash = memchr(p, '/', (size_t)(end - p));
	const char *a_end = slash ? slash : end;
	if (!bsky_valid_did(p, (size_t)(a_end - p)) && !bsky_valid_handle(p, (size_t)(a_end - p)))
		return false;
	if (!slash)
		return true;
	p = slash + 1;
	slash = memchr(p, '/', (size_t)(end - p));
	const char *c_end = slash ? slash : end;
	if (!bsky_valid_nsid(p, (size_t)(c_end - p)))
		return false;
	return !slash || bsky_valid_rkey(slash + 1, (size_t)(end - slash - 1));
}

bool bsky_valid_cid(const char *s, size_t len)
{
	if (len < 8 || len > 256 || (len >= 3 && memcmp(s, "Qmb", 3) == 0))  /* CIDv0: not used */
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '+' && s[i] != '=')
			return false;
	return true;
}

/* BCP 47 as atproto's lexicon checks it, simplified: a primary subtag of two
 * or three lower-case letters (or the "i"/"x" singletons), then subtags of 1
 * to 8 letters or digits. */
bool bsky_valid_lang(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && s[i] >= 'a' && s[i] <= 'z')
		i++;
	bool single = len && (s[0] == 'i' || s[0] == 'x' || s[0] == 'X') && (len == 1 || s[1] == '-');
	if (single)
		i = 1;
	else if (i < 2 || i > 3)
		return false;
	while (i < len) {
		size_t start = ++i;     /* past the '-' */
		if (s[start - 1] != '-')
			return false;
		while (i < len && is_alnum(s[i]) && i - start < 9)
			i++;
		if (i == start || i - start > 8)
			return false;
	}
	return true;
}

void bsky_rkey(const char *idem_key, char out[BSKY_TID_LEN + 1])
{
	static const char domain[] = "tribu/bluesky/rkey/v1\n";  /* never change: it names posts */
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)domain, sizeof domain - 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)idem_key, strlen(idem_key));
	crypto_hash_sha256_final(&st, h);
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | h[i];
	v &= INT64_MAX;     /* a TID's high bit is always clear */
	for (int i = BSKY_TID_LEN - 1; i >= 0; i--, v >>= 5)
		out[i] = B32[v & 31];
	out[BSKY_TID_LEN] = '\0';
}

/* ---- facets -------------------------------------------------------------- */

static const char TLDS[] =
	" aaa aarp abb abbott abbvie abc able abogado abudhabi ac academy accenture accountant "
	"accountants aco actor ad ads adult ae aeg aero aetna af afl africa ag agakhan agency ai aig "
	"airbus airforce airtel akdn al alibaba alipay allfinanz allstate ally alsace alstom am "
	"amazon americanexpress americanfamily amex amfam amica amsterdam analytics android anquan "
	"anz ao aol apartments app apple aq aquarelle ar arab aramco archi army arpa art arte as "
	"asda asia associates at athleta attorney au auction audi audible audio auspost author auto "
	"autos aw aws ax axa az azure ba baby baidu banamex band bank bar barcelona barclaycard "
	"barclays barefoot bargains baseball basketball bauhaus bayern bb bbc bbt bbva bcg bcn bd be "
	"beats beauty beer berlin best bestbuy bet bf bg bh bharti bi bible bid bike bing bingo bio "
	"biz bj black blackfriday blockbuster blog bloomberg blue bm bms bmw bn bnpparibas bo boats "
	"boehringer bofa bom bond boo book booking bosch bostik boston bot boutique box br bradesco "
	"bridgestone broadway broker brother brussels bs bt build builders business buy buzz bv bw "
	"by bz bzh ca cab cafe cal call calvinklein cam camera camp canon capetown capital "
	"capitalone car caravan cards care career careers cars casa case cash casino cat catering "
	"catholic cba cbn cbre cc cd center ceo cern cf cfa cfd cg ch chanel channel charity chase "
	"chat cheap chintai christmas chrome church ci cipriani circle cisco citadel citi citic city "
	"ck cl claims cleaning click clinic clinique clothing cloud club clubmed cm cn co coach "
	"codes coffee college cologne com commbank community company compare computer comsec condos "
	"construction consulting contact contractors cooking cool coop corsica country coupon "
	"coupons courses cpa cr credit creditcard creditunion cricket crown crs cruise cruises cu "
	"cuisinella cv cw cx cy cymru cyou cz dad dance data date dating datsun day dclk dds de deal "
	"dealer deals degree delivery dell deloitte delta democrat dental dentist desi design dev "
	"dhl diamonds diet digital direct directory discount discover dish diy dj dk dm dnp do docs "
	"doctor dog domains dot download drive dtv dubai dupont durban dvag dvr dz earth eat ec eco "
	"edeka edu education ee eg email emerck energy engineer engineering enterprises epson "
	"equipment er ericsson erni es esq estate et eu eurovision eus events exchange expert "
	"exposed express extraspace fage fail fairwinds faith family fan fans farm farmers fashion "
	"fast fedex feedback ferrari ferrero fi fidelity fido film final finance financial fire "
	"firestone firmdale fish fishing fit fitness fj fk flickr flights flir florist flowers fly "
	"fm fo foo food football ford forex forsale forum foundation fox fr free fresenius frl "
	"frogans frontier ftr fujitsu fun fund furniture futbol fyi ga gal gallery gallo gallup game "
	"games gap garden gay gb gbiz gd gdn ge gea gent genting george gf gg ggee gh gi gift gifts "
	"gives giving gl glass gle global globo gm gmail gmbh gmo gmx gn godaddy gold goldpoint golf "
	"goo goodyear goog google gop got gov gp gq gr grainger graphics gratis green gripe grocery "
	"group gs gt gu gucci guge guide guitars guru gw gy hair hamburg hangout haus hbo hdfc "
	"hdfcbank health healthcare help helsinki here hermes hiphop hisamitsu hitachi hiv hk hkt hm "
	"hn hockey holdings holiday homedepot homegoods homes homesense honda horse hospital host "
	"hosting hot hotels hotmail house how hr hsbc ht hu hughes hyatt hyundai ibm icbc ice icu id "
	"ie ieee ifm ikano il im imamat imdb immo immobilien in inc industries infiniti info ing ink "
	"institute insurance insure int international intuit investments io ipiranga iq ir irish is "
	"ismaili ist istanbul it itau itv jaguar java jcb je jeep jetzt jewelry jio jll jm jmp jnj "
	"jo jobs joburg jot joy jp jpmorgan jprs juegos juniper kaufen kddi ke kerryhotels "
	"kerryproperties kfh kg kh ki kia kids kim kindle kitchen kiwi km kn koeln komatsu kosher kp "
	"kpmg kpn kr krd kred kuokgroup kw ky kyoto kz la lacaixa lamborghini lamer land landrover "
	"lanxess lasalle lat latino latrobe law lawyer lb lc lds lease leclerc lefrak legal lego "
	"lexus lgbt li lidl life lifeinsurance lifestyle lighting like lilly limited limo lincoln "
	"link live living lk llc llp loan loans locker locus lol london lotte lotto love lpl "
	"lplfinancial lr ls lt ltd ltda lu lundbeck luxe luxury lv ly ma madrid maif maison makeup "
	"man management mango map market marketing markets marriott marshalls mattel mba mc mckinsey "
	"md me med media meet melbourne meme memorial men menu merckmsd mg mh miami microsoft mil "
	"mini mint mit mitsubishi mk ml mlb mls mm mma mn mo mobi mobile moda moe moi mom monash "
	"money monster mormon mortgage moscow moto motorcycles mov movie mp mq mr ms msd mt mtn mtr "
	"mu museum music mv mw mx my mz na nab nagoya name navy nba nc ne nec net netbank netflix "
	"network neustar new news next nextdirect nexus nf nfl ng ngo nhk ni nico nike nikon ninja "
	"nissan nissay nl no nokia norton now nowruz nowtv np nr nra nrw ntt nu nyc nz obi observer "
	"office okinawa olayan olayangroup ollo om omega one ong onl online ooo open oracle orange "
	"org organic origins osaka otsuka ott ovh pa page panasonic paris pars partners parts party "
	"pay pccw pe pet pf pfizer pg ph pharmacy phd philips phone photo photography photos physio "
	"pics pictet pictures pid pin ping pink pioneer pizza pk pl place play playstation plumbing "
	"plus pm pn pnc pohl poker politie porn post pr praxi press prime pro prod productions prof "
	"progressive promo properties property protection pru prudential ps pt pub pw pwc py qa qpon "
	"quebec quest racing radio re read realestate realtor realty recipes red redumbrella rehab "
	"reise reisen reit reliance ren rent rentals repair report republican rest restaurant review "
	"reviews rexroth rich richardli ricoh ril rio rip ro rocks rodeo rogers room rs rsvp ru "
	"rugby ruhr run rw rwe ryukyu sa saarland safe safety sakura sale salon samsclub samsung "
	"sandvik sandvikcoromant sanofi sap sarl sas save saxo sb sbi sbs sc scb schaeffler schmidt "
	"scholarships school schule schwarz science scot sd se search seat secure security seek "
	"select sener services seven sew sex sexy sfr sg sh shangrila sharp shell shia shiksha shoes "
	"shop shopping shouji show si silk sina singles site sj sk ski skin sky skype sl sling sm "
	"smart smile sn sncf so soccer social softbank software sohu solar solutions song sony soy "
	"spa space sport spot sr srl ss st stada staples star statebank statefarm stc stcgroup "
	"stockholm storage store stream studio study style su sucks supplies supply support surf "
	"surgery suzuki sv swatch swiss sx sy sydney systems sz tab taipei talk taobao target "
	"tatamotors tatar tattoo tax taxi tc tci td tdk team tech technology tel temasek tennis teva "
	"tf tg th thd theater theatre tiaa tickets tienda tips tires tirol tj tjmaxx tjx tk tkmaxx "
	"tl tm tmall tn to today tokyo tools top toray toshiba total tours town toyota toys tr trade "
	"trading training travel travelers travelersinsurance trust trv tt tube tui tunes tushu tv "
	"tvs tw tz ua ubank ubs ug uk unicom university uno uol ups us uy uz va vacations vana "
	"vanguard vc ve vegas ventures verisign versicherung vet vg vi viajes video vig viking "
	"villas vin vip virgin visa vision viva vivo vlaanderen vn vodka volvo vote voting voto "
	"voyage vu wales walmart walter wang wanggou watch watches weather weatherchannel webcam "
	"weber website wed wedding weibo weir wf whoswho wien wiki williamhill win windows wine "
	"winners wme wolterskluwer woodside work works world wow ws wtc wtf xbox xerox xihuan xin "
	"xxx xyz yachts yahoo yamaxun yandex ye yodobashi yoga yokohama you youtube yt yun za zappos "
	"zara zero zip zm zone zuerich zw ";

/* Code point at byte `i` of valid UTF-8; `*n` gets its length in bytes. */
static int32_t cp_at(const char *s, size_t len, size_t i, size_t *n)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
					      (utf8proc_ssize_t)(len - i), &c);
	*n = k > 0 ? (size_t)k : 1;
	return k > 0 ? c : -1;
}

/* Start of the code point that ends at byte `i` (> 0). */
static size_t cp_start_before(const char *s, size_t i)
{
	do
		i--;
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80);
	return i;
}

static int32_t cp_before(const char *s, size_t len, size_t i)
{
	size_t n;
	return cp_at(s, len, cp_start_before(s, i), &n);
}

/* JavaScript's \s: Unicode White_Space and U+FEFF. */
static bool js_space(int32_t c)
{
	return (c >= 9 && c <= 13) || c == ' ' || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

/* JavaScript's \w, which \b uses: ASCII only. */
static bool js_word(int32_t c) { return c > 0 && c < 128 && (is_alnum((char)c) || c == '_'); }

static bool is_punct(int32_t c)     /* \p{P} */
{
	utf8proc_category_t k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

/* What ends a hashtag: whitespace and the invisible characters the
 * reference lists (soft hyphen, word joiner, zero-width spaces, U+20E2). */
static bool tag_stop(int32_t c)
{
	return js_space(c) || c == 0xAD || c == 0x2060 || (c >= 0x200A && c <= 0x200D) ||
	       c == 0x20E2;
}

/* May an entity begin at `i`: at the start, after whitespace, or (when
 * `paren`) after a '(' that the previous match did not consume (a match
 * ends at `floor`). */
static bool entity_start(const char *s, size_t len, size_t i, size_t floor, bool paren)
{
	if (i == 0)
		return true;
	int32_t c = cp_before(s, len, i);
	return js_space(c) || (paren && c == '(' && i - 1 >= floor);
}

/* End of the run of non-whitespace that starts at `i`. */
static size_t nonspace_end(const char *s, size_t len, size_t i)
{
	size_t n;
	while (i < len && !js_space(cp_at(s, len, i, &n)))
		i += n;
	return i;
}

/* Does the domain `s` end with ".<a known TLD>"? Case-sensitive, as in the
 * reference. */
static bool known_tld(const char *s, size_t n)
{
	const char *dot = memrchr(s, '.', n);
	size_t k = dot ? n - (size_t)(dot - s) - 1 : 0;
	char needle[66];
	if (k == 0 || k > 63)
		return false;
	needle[0] = ' ';
	memcpy(needle + 1, dot + 1, k);
	needle[k + 1] = ' ';
	return memmem(TLDS, sizeof TLDS - 1, needle, k + 2) != NULL;
}

struct facets {
	struct arena *a;
	struct bsky_facet *v;
	size_t n, cap;
};

/* Appends a facet whose value is `prefix` followed by `n` bytes at `p`. */
static char *add(struct facets *f, enum bsky_facet_kind kind, size_t start, size_t end,
		 const char *prefix, const char *p, size_t n)
{
	size_t pl = strlen(prefix);
	char *v = arena_alloc(f->a, pl + n + 1);
	f->v = arena_grow(f->a, f->v, f->n, &f->cap, sizeof *f->v);
	if (!v || !f->v)
		return NULL;
	memcpy(v, prefix, pl);
	memcpy(v + pl, p, n);
	v[pl + n] = '\0';
	f->v[f->n++] = (struct bsky_facet){kind, start, end, v};
	return v;
}

/* MENTION_REGEX = /(^|\s|\()(@)([a-zA-Z0-9.-]+)(\b)/g, kept when the handle has
 * a known TLD or ends in ".test". */
static int mentions(struct facets *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '@' || !entity_start(s, len, i, 0, true))
			continue;
		size_t j = i + 1;
		while (j < len && (is_alnum(s[j]) || s[j] == '.' || s[j] == '-'))
			j++;
		/* \b: give back characters until word-ness changes at the end. */
		while (j > i + 1 && js_word((unsigned char)s[j - 1]) ==
					    (j < len && js_word((unsigned char)s[j])))
			j--;
		size_t n = j - i - 1;
		if (n == 0)
			continue;
		if (!known_tld(s + i + 1, n) && !(n >= 5 && memcmp(s + j - 5, ".test", 5) == 0))
			continue;
		if (!add(f, BSKY_FACET_MENTION, i, j, "", s + i + 1, n))
			return ERR_TOOBIG;
		i = j - 1;
	}
	return ERR_OK;
}

/* URL_REGEX = /(^|\s|\()((https?:\/\/[\S]+)|((?<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[\S]*))/gim
 * then: a scheme link must start with lower-case "http", a bare domain
 * needs a known TLD (and gets "https://"); one trailing [.,;:!?] is
 * dropped, then a ')' when the link has no '('.
 * One deliberate difference: the reference tests `uri.startsWith('http')`
 * to tell the two kinds apart, so a bare domain that begins with "http"
 * ("httpbin.org") skips the TLD check and gets no scheme, a link URI the
 * PDS then refuses; here it is a bare domain like any other. */
static int links(struct facets *f, const char *s, size_t len)
{
	size_t floor = 0;
	for (size_t i = 0; i < len; i++) {
		if (!is_alpha(s[i]) || !entity_start(s, len, i, floor, true))
			continue;
		size_t k = i + 4, d = i + 1, end;
		bool scheme = false;
		if (len - i > 4 && strncasecmp(s + i, "http", 4) == 0) {
			if ((s[k] | 0x20) == 's')
				k++;
			scheme = len - k > 3 && memcmp(s + k, "://", 3) == 0 &&
				 nonspace_end(s, len, k + 3) > k + 3;
		}
		if (scheme) {
			end = nonspace_end(s, len, k + 3);
			floor = end;
			if (memcmp(s + i, "http", 4) != 0)
				continue;
		} else {
			bool dot = false;
			while (d < len && is_alnum(s[d]))
				d++;
			while (d + 1 < len && s[d] == '.' && is_alnum(s[d + 1])) {
				dot = true;
				for (d += 2; d < len && is_alnum(s[d]);)
					d++;
			}
			if (!dot)
				continue;
			end = nonspace_end(s, len, d);
			floor = end;
			if (!known_tld(s + i, d - i))
				continue;
		}
		size_t m_end = end;
		if (in(".,;:!?", s[end - 1]))
			end--;
		if (s[end - 1] == ')' && !memchr(s + i, '(', end - i))
			end--;
		if (!add(f, BSKY_FACET_LINK, i, end, scheme ? "" : "https://", s + i, end - i))
			return ERR_TOOBIG;
		i = m_end - 1;
	}
	return ERR_OK;
}

/* TAG_REGEX = /(^|\s)[#＃]((?!\ufe0f)[^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]*
 *   [^\d\s\p{P}\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]+[^\s\u00AD…\u20e2]*)?/gu
 * i.e. the run after '#' up to a stop character, if it holds one character
 * that is neither a digit nor punctuation; trailing punctuation is dropped;
 * 1 to 64 UTF-16 units. */
static int tags(struct facets *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t hl = s[i] == '#' ? 1 : len - i >= 3 && !memcmp(s + i, "\xEF\xBC\x83", 3) ? 3 : 0;
		if (!hl || (i > 0 && !js_space(cp_before(s, len, i))))
			continue;
		size_t j = i + hl, e = j, n, units = 0;
		bool word = false;
		int32_t c = j < len ? cp_at(s, len, j, &n) : -1;
		if (c == 0xFE0F)
			continue;
		for (; e < len && !tag_stop(c = cp_at(s, len, e, &n)); e += n)
			word |= !(c >= '0' && c <= '9') && !is_punct(c);
		if (!word)
			continue;
		size_t t = e;
		while (t > j && is_punct(cp_before(s, len, t)))
			t = cp_start_before(s, t);
		for (size_t p = j; p < t; p += n)
			units += cp_at(s, len, p, &n) > 0xFFFF ? 2 : 1;
		if (units <= 64 && !add(f, BSKY_FACET_TAG, i, t, "", s + j, t - j))
			return ERR_TOOBIG;
		i = e - 1;
	}
	return ERR_OK;
}

/* CASHTAG_REGEX = /(^|\s|\()\$([A-Za-z][A-Za-z0-9]{0,4})(?=\s|$|[.,;:!?)"'\u2019])/gu,
 * stored as a tag "$" + the ticker in upper case. */
static int cashtags(struct facets *f, const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '$' || !is_alpha(s[i + 1]) || !entity_start(s, len, i, 0, true))
			continue;
		size_t k = i + 1, n;
		while (k < len && is_alnum(s[k]))
			k++;
		int32_t next = k < len ? cp_at(s, len, k, &n) : -1;
		bool ends = next < 0 || js_space(next) || next == 0x2019 ||
			    (next < 128 && in(".,;:!?)\"'", (char)next));
		if (k - i - 1 > 5 || !ends)
			continue;
		char *v = add(f, BSKY_FACET_TAG, i, k, "$", s + i + 1, k - i - 1);
		if (!v)
			return ERR_TOOBIG;
		for (; *v; v++)
			if (*v >= 'a' && *v <= 'z')
				*v = (char)(*v - 32);
	}
	return ERR_OK;
}

int bsky_facets(struct arena *a, const char *text, size_t len, struct bsky_facet **out,
		size_t *n)
{
	struct facets f = {.a = a};
	int rc = mentions(&f, text, len);
	if (!rc)
		rc = links(&f, text, len);
	if (!rc)
		rc = tags(&f, text, len);
	if (!rc)
		rc = cashtags(&f, text, len);
	/* Insertion sort by start: a post has a few facets. */
	for (size_t i = 1; !rc && i < f.n; i++) {
		struct bsky_facet x = f.v[i];
		size_t j = i;
		for (; j > 0 && f.v[j - 1].start > x.start; j--)
			f.v[j] = f.v[j - 1];
		f.v[j] = x;
	}
	*out = rc ? NULL : f.v;
	*n = rc ? 0 : f.n;
	return rc;
}
