/*
 * Every route of the portal, once: the path (":id" a numeric segment,
 * "*token" any one segment, "**" any rest), the methods it takes (GET
 * takes HEAD too) and what runs it.  The engine (request.c) answers a
 * path missing here with 404 and a method missing here with 405 and an
 * Allow header naming those that are here.  A page and its API twin are
 * two routes of one handler's steps, differing in the last.
 */

#include "drive.h"

#define ROUTE(p, m, h) \
	{ \
		(p), (m), &(h), NULL, NULL \
	}
#define ROUTE_FORM(p, m, h, f) \
	{ \
		(p), (m), &(h), NULL, (f) \
	}
#define ROUTE_RAW(p, m, f) \
	{ \
		(p), (m), NULL, (f), NULL \
	}

const struct route drive_routes[] = {
	ROUTE_RAW("/static/**", M_GET, page_static),
	ROUTE("/healthz", M_GET, health_api),
	ROUTE("/", M_GET, ideas_page),
	ROUTE("/login", M_GET, login_form_page),
	ROUTE("/login", M_POST, login_submit_page),
	ROUTE("/login/sso", M_GET, sso_start_page),
	ROUTE("/login/sso/callback", M_GET, sso_callback_page),
	ROUTE("/oidc/backchannel-logout", M_POST, sso_backchannel_logout),
	ROUTE("/logout", M_POST, logout_page),
	ROUTE("/invite/*token", M_GET, invite_page),
	ROUTE("/invite/*token", M_POST, invite_redeem_page),
	ROUTE("/admin/invitations", M_GET, invitations_page),
	ROUTE("/admin/invitations", M_POST, invitation_issue_page),
	ROUTE("/admin/invitations/:id/revoke", M_POST, invitation_revoke_page),
	ROUTE("/ideas/new", M_GET, idea_new_page),
	ROUTE("/ideas/new", M_POST, idea_create_page),
	ROUTE("/ideas/:id", M_GET, idea_page),
	ROUTE("/ideas/:id/vote", M_POST, idea_vote_page),
	ROUTE("/ideas/:id/edit", M_GET, idea_edit_page),
	ROUTE("/ideas/:id/edit", M_POST, idea_change_page),
	ROUTE_FORM("/ideas/:id/comments", M_POST, comment_create_page,
	    idea_page_steps),
	ROUTE("/comments/:id/edit", M_GET, comment_edit_page),
	ROUTE("/comments/:id/edit", M_POST, comment_change_page),
	ROUTE("/comments/:id/delete", M_POST, comment_delete_page),
	ROUTE("/admin/users", M_GET, users_page),
	ROUTE("/admin/users/:id/role", M_POST, user_role_page),
	ROUTE("/admin/users/:id/active", M_POST, user_active_page),
	ROUTE("/admin/users/:id/erase", M_POST, user_erase_page),
	ROUTE("/admin/organizations", M_GET, organizations_page),
	ROUTE("/admin/organizations/:id", M_GET, organization_page),
	ROUTE("/admin/organizations/:id", M_POST, organization_rename_page),
	ROUTE("/admin/areas", M_GET, areas_page),
	ROUTE("/admin/areas", M_POST, area_create_page),
	ROUTE("/admin/areas/:id", M_GET, areas_page),
	ROUTE("/admin/areas/:id", M_POST, area_change_page),
	ROUTE("/admin/audit", M_GET, audit_page),
	ROUTE("/admin/audit.csv", M_GET, audit_csv_file),
	ROUTE("/admin/invitations/:id/reissue", M_POST,
	    invitation_reissue_page),
	ROUTE("/api/v1/areas", M_GET, areas_api),
	ROUTE("/api/v1/areas", M_POST, area_create_api),
	ROUTE("/comments/:id/hide", M_POST, comment_hide_page),
	ROUTE_FORM("/ideas/:id/responses", M_POST, response_create_page,
	    idea_page_steps),
	ROUTE("/ideas/:id/merge", M_GET, idea_merge_find_page),
	ROUTE("/ideas/:id/merge", M_POST, idea_merge_page),
	ROUTE("/ideas/:id/voters", M_GET, idea_voters_page),
	ROUTE("/triage", M_GET, triage_page),
	ROUTE("/roadmap", M_GET, roadmap_page),
	ROUTE("/export/ideas.csv", M_GET, export_ideas_page),
	ROUTE("/notifications", M_GET, notifications_page),
	ROUTE("/notifications/read", M_POST, notifications_read_page),
	ROUTE("/notifications/:id", M_GET, notification_open_page),
	ROUTE("/profile", M_GET, profile_page),
	ROUTE("/profile", M_POST, profile_save_page),
	ROUTE_FORM("/profile/password", M_POST, password_page,
	    profile_page_steps),
	ROUTE("/profile/sessions/end", M_POST, sessions_end_page),
	ROUTE_FORM("/profile/tokens", M_POST, token_create_page,
	    profile_page_steps),
	ROUTE("/profile/tokens/:id/revoke", M_POST, token_revoke_page),
	ROUTE("/profile/data.json", M_GET, my_data_page),
	ROUTE("/api/v1/ideas", M_GET, ideas_api),
	ROUTE("/api/v1/ideas", M_POST, idea_create_api),
	ROUTE("/api/v1/ideas/similar", M_GET, ideas_similar_api),
	ROUTE("/api/v1/ideas/:id", M_GET, idea_api),
	ROUTE("/api/v1/ideas/:id", M_PATCH, idea_change_api),
	ROUTE("/api/v1/ideas/:id/vote", M_POST | M_DELETE, idea_vote_api),
	ROUTE("/api/v1/ideas/:id/comments", M_POST, comment_create_api),
	ROUTE("/api/v1/comments/:id", M_PATCH, comment_change_api),
	ROUTE("/api/v1/comments/:id", M_DELETE, comment_delete_api),
	ROUTE("/api/v1/users", M_GET, users_api),
	ROUTE("/api/v1/users/:id", M_PATCH, user_change_api),
	ROUTE("/api/v1/users/:id/erase", M_POST, user_erase_api),
	ROUTE("/api/v1/organizations", M_GET, organizations_api),
	ROUTE("/api/v1/organizations/:id", M_PATCH, organization_rename_api),
	ROUTE("/api/v1/areas/:id", M_POST | M_PATCH | M_DELETE,
	    area_change_api),
	ROUTE("/api/v1/invitations/:id/reissue", M_POST,
	    invitation_reissue_api),
	ROUTE("/api/v1/session", M_POST, login_api),
	ROUTE("/api/v1/session", M_DELETE, logout_api),
	ROUTE("/api/v1/me", M_GET, me_api),
	ROUTE("/api/v1/invitations", M_GET, invitations_api),
	ROUTE("/api/v1/invitations", M_POST, invitation_issue_api),
	ROUTE("/api/v1/invitations/accept", M_POST, invite_redeem_api),
	ROUTE("/api/v1/invitations/:id", M_DELETE, invitation_revoke_api),
	ROUTE("/api/v1/comments/:id/hide", M_POST, comment_hide_api),
	ROUTE("/api/v1/ideas/:id/responses", M_POST, response_create_api),
	ROUTE("/api/v1/ideas/:id/merge", M_POST, idea_merge_api),
	ROUTE("/api/v1/ideas/:id/voters", M_GET, idea_voters_api),
	ROUTE("/api/v1/roadmap", M_GET, roadmap_api),
	ROUTE("/api/v1/tokens", M_POST, token_create_api),
	ROUTE("/api/v1/tokens/:id", M_DELETE, token_revoke_api),
	ROUTE("/api/v1/notifications", M_GET, notifications_api),
	{ NULL, 0, NULL, NULL, NULL },
};
