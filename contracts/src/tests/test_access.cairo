use crate::access::{
    DEFAULT_ADMIN_ROLE, IAccessControlDispatcher, IAccessControlDispatcherTrait,
    IAccessControlSafeDispatcher, IAccessControlSafeDispatcherTrait, MINTER_ROLE, PAUSER_ROLE,
};
use crate::pausable::{
    IPausableDispatcher, IPausableDispatcherTrait, IPausableSafeDispatcher,
    IPausableSafeDispatcherTrait,
};
use crate::src5::{ISRC5Dispatcher, ISRC5DispatcherTrait, ISRC5_ID};
use super::utils::{
    ADMIN, ALICE, BOB, as_, assert_err, deploy_token, clear_events, find_event, setup,
};

#[test]
#[feature("safe_dispatcher")]
fn grant_revoke_renounce() {
    as_(ADMIN());
    let token = deploy_token();
    let ac = IAccessControlDispatcher { contract_address: token.contract_address };
    let safe = IAccessControlSafeDispatcher { contract_address: token.contract_address };
    assert_eq!(ac.get_role_admin(MINTER_ROLE), 0);
    clear_events(token.contract_address);
    ac.grant_role(MINTER_ROLE, ALICE());
    assert!(ac.has_role(MINTER_ROLE, ALICE()));
    assert!(find_event(token.contract_address, selector!("RoleGranted")).is_some());
    // Only the role admin (DEFAULT_ADMIN) may grant, not holders of the role itself.
    as_(ALICE());
    assert_err(safe.grant_role(MINTER_ROLE, BOB()), 'AC: missing role');
    assert_err(safe.revoke_role(MINTER_ROLE, ADMIN()), 'AC: missing role');
    ac.renounce_role(MINTER_ROLE);
    assert!(!ac.has_role(MINTER_ROLE, ALICE()));
    assert!(find_event(token.contract_address, selector!("RoleRevoked")).is_some());
    assert_err(safe.renounce_role(MINTER_ROLE), 'AC: missing role');
    as_(ADMIN());
    ac.revoke_role(MINTER_ROLE, ADMIN());
    assert!(!ac.has_role(MINTER_ROLE, ADMIN()));
}

#[test]
fn supports_src5_and_no_unknown_id() {
    let env = setup();
    let src5 = ISRC5Dispatcher { contract_address: env.pm.contract_address };
    assert!(src5.supports_interface(ISRC5_ID));
    assert!(!src5.supports_interface(0x1234));
    let src5 = ISRC5Dispatcher { contract_address: env.token.contract_address };
    assert!(src5.supports_interface(ISRC5_ID));
}

#[test]
#[feature("safe_dispatcher")]
fn pause_needs_pauser_and_toggles() {
    let env = setup();
    let p = IPausableDispatcher { contract_address: env.pool.contract_address };
    let safe = IPausableSafeDispatcher { contract_address: env.pool.contract_address };
    as_(ALICE());
    assert_err(safe.pause(), 'AC: missing role');
    as_(ADMIN());
    assert_err(safe.unpause(), 'PAUSE: not paused');
    p.pause();
    assert!(p.is_paused());
    assert_err(safe.pause(), 'PAUSE: already paused');
    p.unpause();
    assert!(!p.is_paused());
    let ac = IAccessControlDispatcher { contract_address: env.pool.contract_address };
    assert!(ac.has_role(PAUSER_ROLE, ADMIN()));
}

#[test]
#[feature("safe_dispatcher")]
fn last_admin_cannot_leave() {
    let env = setup();
    let ac = IAccessControlDispatcher { contract_address: env.pm.contract_address };
    let safe = IAccessControlSafeDispatcher { contract_address: env.pm.contract_address };
    as_(ADMIN());
    assert_err(safe.renounce_role(DEFAULT_ADMIN_ROLE), 'AC: last admin');
    assert_err(safe.revoke_role(DEFAULT_ADMIN_ROLE, ADMIN()), 'AC: last admin');
    // Revoking someone who is not an admin stays a no-op, not a last-admin refusal.
    ac.revoke_role(DEFAULT_ADMIN_ROLE, BOB());
    // Handing over: grant the successor, then the old admin may leave, and the successor is last.
    ac.grant_role(DEFAULT_ADMIN_ROLE, ALICE());
    ac.renounce_role(DEFAULT_ADMIN_ROLE);
    assert!(!ac.has_role(DEFAULT_ADMIN_ROLE, ADMIN()));
    as_(ALICE());
    assert_err(safe.renounce_role(DEFAULT_ADMIN_ROLE), 'AC: last admin');
    ac.grant_role(DEFAULT_ADMIN_ROLE, BOB());
    ac.revoke_role(DEFAULT_ADMIN_ROLE, BOB());
    assert_err(safe.revoke_role(DEFAULT_ADMIN_ROLE, ALICE()), 'AC: last admin');
    // Other roles may lose their last holder.
    ac.revoke_role(PAUSER_ROLE, ADMIN());
    assert!(!ac.has_role(PAUSER_ROLE, ADMIN()));
}
