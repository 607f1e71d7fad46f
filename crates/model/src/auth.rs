//! Who may do what in Steward: the roles a user or an API token carries.

crate::string_enum!(
    /// A user's (or an API token's) role. Ordered from most to least powerful by [`Role::rank`];
    /// see docs/security.md for what each may see and do.
    Role, "role" {
        /// Platform admin: everything, including users, tokens and the audit trail.
        Admin => "admin",
        /// Admin of the environments named on the user.
        EnvironmentAdmin => "environment_admin",
        /// Sees the catalog and reports, and acts on their own resources.
        Maker => "maker",
        /// Reads everything (the governance board); writes only ratings, reviews and access requests.
        Viewer => "viewer",
    }
);

impl Role {
    /// Power of a role: higher may do more. A token's role must never outrank its owner's.
    pub fn rank(self) -> u8 {
        match self {
            Role::Admin => 3,
            Role::EnvironmentAdmin => 2,
            Role::Maker => 1,
            Role::Viewer => 0,
        }
    }

    /// Whether this role may do everything `other` may (a token scoped to `other` on a user
    /// with this role is allowed).
    pub fn includes(self, other: Role) -> bool {
        self.rank() >= other.rank()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_their_spelling_and_rank() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        let err = "superuser".parse::<Role>().unwrap_err().to_string();
        assert!(err.contains("admin, environment_admin, maker, viewer"), "{err}");
        assert!(Role::Admin.includes(Role::Viewer));
        assert!(Role::EnvironmentAdmin.includes(Role::Maker));
        assert!(!Role::Maker.includes(Role::EnvironmentAdmin));
        assert!(!Role::Viewer.includes(Role::Maker));
    }
}
