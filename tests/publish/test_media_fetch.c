/* test_media_fetch.c - the addresses an image URL of an import may not lead
 * to (the guard against making the server fetch its own network's
 * services). The fetching itself is tested end to end (test_publish.py). */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "publish/publish_int.h"

static bool internal(const char *addr)
{
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
	if (inet_pton(AF_INET, addr, &v4.sin_addr) == 1)
		return media_fetch_internal((const struct sockaddr *)&v4);
	if (inet_pton(AF_INET6, addr, &v6.sin6_addr) == 1)
		return media_fetch_internal((const struct sockaddr *)&v6);
	return false;
}

TEST(media_fetch_refuses_loopback_private_link_local_and_reserved_addresses)
{
	static const char *const refused[] = {
		"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
		"255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (!internal(refused[i]))
			CHECK_EQ_STR(refused[i], "(should be refused)");
}

TEST(media_fetch_lets_public_addresses_through)
{
	static const char *const public[] = {
		"1.1.1.1", "8.8.8.8", "172.15.255.255", "172.32.0.1", "192.167.1.1", "100.63.0.1",
		"100.128.0.1", "93.184.216.34", "2001:db8::1", "2606:4700::1111", "::ffff:8.8.8.8",
	};
	for (size_t i = 0; i < sizeof public / sizeof public[0]; i++)
		if (internal(public[i]))
			CHECK_EQ_STR(public[i], "(should pass)");
}
