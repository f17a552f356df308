import { isRecord, text } from '../input.js';

/** Which installation an Events API envelope is about. */
export interface EventContext {
  teamId: string | undefined;
  enterpriseId: string | undefined;
  /** True when the event is for an org-wide (Enterprise Grid) install rather than one workspace. */
  isEnterpriseInstall: boolean;
}

/**
 * Reads the installation context the way Slack gives it. `authorizations[0]` (the installation the event is
 * delivered for) wins when present: an org-wide install has `is_enterprise_install: true` there and a null
 * `team_id`. Without it (Slack's uninstall events carry none), the envelope's `enterprise_id` and `team_id`
 * decide: an org-wide app's envelope names the org and no workspace. Slack sends no top-level
 * `is_enterprise_install`; one that is there anyway is still honoured.
 */
export function eventContext(body: Record<string, unknown>): EventContext {
  const teamId = text(body.team_id);
  const enterpriseId = text(body.enterprise_id);
  const first: unknown = Array.isArray(body.authorizations) ? body.authorizations[0] : undefined;
  if (isRecord(first)) {
    const isEnterpriseInstall = first.is_enterprise_install === true;
    return {
      teamId: isEnterpriseInstall ? undefined : (text(first.team_id) ?? teamId),
      enterpriseId: text(first.enterprise_id) ?? enterpriseId,
      isEnterpriseInstall,
    };
  }
  const isEnterpriseInstall =
    body.is_enterprise_install === true || (teamId === undefined && enterpriseId !== undefined);
  return { teamId: isEnterpriseInstall ? undefined : teamId, enterpriseId, isEnterpriseInstall };
}
