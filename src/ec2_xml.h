/* SPDX-License-Identifier: ISC */
/*
 * ec2_xml: EC2 and STS XML answers → the structs of ec2_types.h.
 *
 * Answers come from the network, so the parser treats them as hostile:
 *   - the body is refused above EC2_XML_MAX_BODY, and when it holds a NUL
 *     byte, before libxml2 sees it;
 *   - libxml2 runs with XML_PARSE_NONET, without entity substitution, DTD
 *     loading or default attributes, and any document carrying a DTD or an
 *     entity declaration is refused outright (billion laughs, XXE);
 *   - elements are matched by local name within their parent, in any order;
 *     unknown elements are ignored (EC2 adds fields), a scalar element that
 *     appears twice is an error, and elements in a foreign XML namespace are
 *     ignored;
 *   - booleans are exactly `true`/`false`, timestamps ISO-8601 UTC
 *     (optional fraction, `Z` or `+00:00`), strings ≤ EC2_XML_MAX_STRING,
 *     lists ≤ EC2_XML_MAX_ITEMS;
 *   - a wrong root element is an error that names both roots.
 *
 * Every parser fills `out` only on success (and then the caller owns it and
 * frees it with the matching *_free); on failure `out` is untouched and `e`
 * says what was wrong — never with the content of a secret.  The input
 * buffer stays the caller's: for STS answers it holds secrets, so the caller
 * wipes it.  For STS answers the parser's own copies (its scratch text and
 * libxml2's input buffer) are wiped before they are freed.  Answers are read
 * as a stream (xp.h): no document tree is built.
 *
 * Errors: -EBADMSG for malformed or unexpected XML, -E2BIG past a ceiling,
 * -ENOMEM.  Pure (no I/O, clock or logging; libxml2's error printing is off)
 * and reentrant: safe on the event loop.
 */
#ifndef VPCESD_EC2_XML_H
#define VPCESD_EC2_XML_H

#include <stddef.h>

#include "ec2_types.h"
#include "err.h"

#define EC2_XML_MAX_BODY   (16u * 1024 * 1024)
#define EC2_XML_MAX_STRING (64u * 1024)
#define EC2_XML_MAX_ITEMS  100000u

/* DescribeVpcEndpointServiceConfigurationsResponse */
int ec2_xml_service_page(const char *body, size_t len, struct ec2_service_page *out, struct err *e);

/* CreateVpcEndpointServiceConfigurationResponse */
int ec2_xml_create_service(const char *body, size_t len, struct ec2_create_service_result *out,
			   struct err *e);

/* DescribeVpcEndpointServicePermissionsResponse */
int ec2_xml_principal_page(const char *body, size_t len, struct ec2_principal_page *out,
			   struct err *e);

/* ModifyVpcEndpointServicePermissionsResponse */
int ec2_xml_modify_permissions(const char *body, size_t len,
			       struct ec2_modify_permissions_result *out, struct err *e);

/* DescribeVpcEndpointConnectionsResponse */
int ec2_xml_connection_page(const char *body, size_t len, struct ec2_connection_page *out,
			    struct err *e);

/* DescribeVpcEndpointConnectionNotificationsResponse */
int ec2_xml_notification_page(const char *body, size_t len, struct ec2_notification_page *out,
			      struct err *e);

/* CreateVpcEndpointConnectionNotificationResponse */
int ec2_xml_create_notification(const char *body, size_t len,
				struct ec2_create_notification_result *out, struct err *e);

/*
 * `<{action}Response>` holding `return` and/or `unsuccessful` (see struct
 * ec2_result), e.g. action "DeleteVpcEndpointServiceConfigurations".
 */
int ec2_xml_result(const char *action, const char *body, size_t len, struct ec2_result *out,
		   struct err *e);

/*
 * An error body: EC2 `Response/Errors/Error/{Code,Message}` + `RequestID`,
 * STS `ErrorResponse/Error/{Type,Code,Message}` + `RequestId`, or a bare
 * `Error` root.  A document that is none of these (an HTML page from a
 * proxy, an empty body) is -EBADMSG.  `code` is always set on success.
 */
int ec2_xml_error(const char *body, size_t len, struct ec2_error *out, struct err *e);

/*
 * `<{action}Response><{action}Result>` for action "AssumeRole" or
 * "AssumeRoleWithWebIdentity".  AccessKeyId, SecretAccessKey, SessionToken
 * and Expiration are required.
 */
int ec2_xml_sts_credentials(const char *action, const char *body, size_t len,
			    struct sts_credentials *out, struct err *e);

/* Destructors: free everything inside and zero the struct.  NULL-safe. */
void ec2_service_config_free(struct ec2_service_config *c);
void ec2_service_page_free(struct ec2_service_page *p);
void ec2_create_service_result_free(struct ec2_create_service_result *r);
void ec2_principal_page_free(struct ec2_principal_page *p);
void ec2_modify_permissions_result_free(struct ec2_modify_permissions_result *r);
void ec2_endpoint_connection_free(struct ec2_endpoint_connection *c);
void ec2_connection_page_free(struct ec2_connection_page *p);
void ec2_notification_page_free(struct ec2_notification_page *p);
void ec2_create_notification_result_free(struct ec2_create_notification_result *r);
void ec2_result_free(struct ec2_result *r);
void ec2_error_free(struct ec2_error *err);
/* Wipes the secret key and session token (OPENSSL_cleanse) before freeing. */
void sts_credentials_free(struct sts_credentials *c);

#endif
