//! The booking backend's identity (`SYSTEM_PRINCIPAL_ARN`, `--system-principal`): the one IAM
//! principal allowed to post system messages. API Gateway verifies the request's SigV4
//! signature on the route (`AuthorizationType: AWS_IAM`) and hands the signer's ARN to the
//! function in `requestContext.authorizer.iam.userArn`; any principal of the account whose
//! policy allows `execute-api:Invoke` there would pass that check, so the function also
//! compares the signer with this one.

use std::fmt;

/// An IAM role (its sessions, `arn:<p>:sts::<account>:assumed-role/<name>/<session>`, match)
/// or an IAM user (its exact ARN matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendPrincipal {
    arn: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Role {
        partition: String,
        account: String,
        name: String,
    },
    User,
}

/// The ARN's parts `arn:<partition>:<service>:<region>:<account>:<resource>`, all non-empty
/// but the region.
fn parts(arn: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let mut fields = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return None;
    };
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
    (account_ok && plain(partition) && plain(service) && plain(resource))
        .then_some((partition, service, region, account, resource))
}

impl BackendPrincipal {
    /// An IAM role or user ARN (`arn:aws:iam::123456789012:role/booking-backend`, paths
    /// allowed); `None` for anything else.
    pub fn parse(arn: &str) -> Option<Self> {
        let (partition, service, region, account, resource) = parts(arn)?;
        if service != "iam" || !region.is_empty() {
            return None;
        }
        let kind = match resource.split_once('/') {
            Some(("role", path)) => Kind::Role {
                partition: partition.to_owned(),
                account: account.to_owned(),
                name: path
                    .rsplit('/')
                    .next()
                    .filter(|n| !n.is_empty())?
                    .to_owned(),
            },
            Some(("user", path)) if path.rsplit('/').next().is_some_and(|n| !n.is_empty()) => {
                Kind::User
            }
            _ => return None,
        };
        Some(Self {
            arn: arn.to_owned(),
            kind,
        })
    }

    /// Whether `caller`, the signer's ARN as API Gateway passes it, is this principal.
    pub fn matches(&self, caller: &str) -> bool {
        match &self.kind {
            Kind::User => caller == self.arn,
            Kind::Role {
                partition,
                account,
                name,
            } => {
                let Some((p, service, region, a, resource)) = parts(caller) else {
                    return false;
                };
                let session = resource
                    .strip_prefix("assumed-role/")
                    .and_then(|rest| rest.split_once('/'));
                p == partition
                    && service == "sts"
                    && region.is_empty()
                    && a == account
                    && session.is_some_and(|(role, session)| {
                        role == name && !session.is_empty() && !session.contains('/')
                    })
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.arn
    }
}

impl fmt::Display for BackendPrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::123456789012:role/service/booking-backend";

    #[test]
    fn a_role_matches_its_sessions_only() {
        let role = BackendPrincipal::parse(ROLE).unwrap();
        assert!(role.matches("arn:aws:sts::123456789012:assumed-role/booking-backend/i-0abc"));
        for other in [
            "arn:aws:sts::123456789012:assumed-role/booking-backend/",
            "arn:aws:sts::123456789012:assumed-role/booking-backend",
            "arn:aws:sts::123456789012:assumed-role/booking-backend-2/s",
            "arn:aws:sts::210987654321:assumed-role/booking-backend/s",
            "arn:aws-cn:sts::123456789012:assumed-role/booking-backend/s",
            "arn:aws:sts:eu-west-1:123456789012:assumed-role/booking-backend/s",
            "arn:aws:iam::123456789012:user/booking-backend",
            "arn:aws:sts::123456789012:federated-user/booking-backend",
            ROLE,
            "",
        ] {
            assert!(!role.matches(other), "{other}");
        }
    }

    #[test]
    fn a_user_matches_its_exact_arn() {
        let arn = "arn:aws:iam::123456789012:user/ops/backend";
        let user = BackendPrincipal::parse(arn).unwrap();
        assert!(user.matches(arn));
        assert!(!user.matches("arn:aws:iam::123456789012:user/ops/backend2"));
        assert!(!user.matches("arn:aws:sts::123456789012:assumed-role/backend/s"));
    }

    #[test]
    fn only_iam_role_and_user_arns_parse() {
        for bad in [
            "",
            "booking-backend",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:group/g",
            "arn:aws:iam::12345:role/r",
            "arn:aws:sts::123456789012:assumed-role/r/s",
            "arn:aws:iam:eu-west-1:123456789012:role/r",
            "arn:aws:iam::123456789012:role/r x",
            "*",
        ] {
            assert_eq!(BackendPrincipal::parse(bad), None, "{bad}");
        }
    }
}
