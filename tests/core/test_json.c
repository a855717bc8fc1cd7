#include "harness.h"

#include "core/err.h"
#include "core/json.h"

static const struct json_field fields[] = {
	{"name", JSON_K_STR, true, 5, false},
	{"n", JSON_K_INT, false, 0, false},
	{"body", JSON_K_STR, false, 0, true},
	{"tags", JSON_K_ARR, false, 2, false},
};

static const char *problem_of(const char *text)
{
	static struct json_problem p;
	json_t *j = json_loads(text, 0, NULL);
	if (!j)
		return "unparsable";
	int rc = json_check(j, fields, 4, &p);
	json_decref(j);
	return rc == ERR_OK ? "ok" : p.code;
}

TEST(json_check_accepts_a_valid_object)
{
	CHECK_EQ_STR(problem_of("{\"name\":\"été\",\"n\":3,\"body\":\"a\\nb\",\"tags\":[1,2]}"), "ok");
	CHECK_EQ_STR(problem_of("{\"name\":\"abcde\",\"n\":null}"), "ok");
}

TEST(json_check_names_each_kind_of_problem)
{
	CHECK_EQ_STR(problem_of("{}"), "missing_field");
	CHECK_EQ_STR(problem_of("{\"name\":\"a\",\"x\":1}"), "unknown_field");
	CHECK_EQ_STR(problem_of("{\"name\":1}"), "wrong_type");
	CHECK_EQ_STR(problem_of("{\"name\":\"a\",\"n\":\"3\"}"), "wrong_type");
	CHECK_EQ_STR(problem_of("{\"name\":\"abcdef\"}"), "too_long");
	CHECK_EQ_STR(problem_of("{\"name\":\"a\\u0007\"}"), "invalid_text");
	CHECK_EQ_STR(problem_of("{\"name\":\"a\\nb\"}"), "invalid_text");
	CHECK_EQ_STR(problem_of("{\"name\":\"a\",\"tags\":[1,2,3]}"), "too_long");
}

TEST(json_check_reports_the_field)
{
	struct json_problem p;
	json_t *j = json_loads("{\"name\":\"a\",\"n\":1.5}", 0, NULL);
	CHECK_EQ_INT(json_check(j, fields, 4, &p), ERR_INVAL);
	CHECK_EQ_STR(p.field, "n");
	CHECK(strstr(p.message, "integer") != NULL);
	json_decref(j);
}
