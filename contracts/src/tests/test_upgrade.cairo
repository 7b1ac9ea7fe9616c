use starknet::testing::set_block_timestamp;
use starknet::{ClassHash, ContractAddress};
use crate::cdc_pool::{CdcPool, ICDC_POOL_ID, IPOOL_JOBS_ID};
use crate::src5::{ISRC5Dispatcher, ISRC5DispatcherTrait, ISRC5_ID};
use crate::token::{CiroToken, IERC20_ID, IMINTABLE_ID};
use crate::upgrade::{
    DEFAULT_UPGRADE_DELAY, IUpgradeableDispatcher, IUpgradeableDispatcherTrait,
    IUpgradeableSafeDispatcher, IUpgradeableSafeDispatcherTrait, MAX_UPGRADE_DELAY,
    PendingUpgradeDelay, ScheduledUpgrade,
};
use super::utils::{ADMIN, ALICE, START, as_, assert_err, clear_events, deploy_token, find_event};

const DAY: u64 = 86_400;

fn token_class() -> ClassHash {
    CiroToken::TEST_CLASS_HASH
}

/// A fresh CiroToken at START, administered by ADMIN, who is also the caller.
fn upgradeable() -> (ContractAddress, IUpgradeableDispatcher, IUpgradeableSafeDispatcher) {
    set_block_timestamp(START);
    as_(ADMIN());
    let address = deploy_token().contract_address;
    clear_events(address);
    (
        address,
        IUpgradeableDispatcher { contract_address: address },
        IUpgradeableSafeDispatcher { contract_address: address },
    )
}

#[test]
#[feature("safe_dispatcher")]
fn upgrade_runs_only_the_scheduled_class_after_the_delay() {
    let (address, up, safe) = upgradeable();
    assert_eq!(up.upgrade_delay(), DEFAULT_UPGRADE_DELAY);
    // Nothing scheduled: even the admin cannot upgrade.
    assert_err(safe.upgrade(token_class()), 'UPG: not scheduled');
    assert_err(safe.schedule_upgrade(0.try_into().unwrap()), 'UPG: class hash zero');
    up.schedule_upgrade(token_class());
    let ready_at = START + DEFAULT_UPGRADE_DELAY;
    assert_eq!(up.scheduled_upgrade(), ScheduledUpgrade { class_hash: token_class(), ready_at });
    let data = find_event(address, selector!("UpgradeScheduled")).unwrap();
    assert_eq!(data, array![ready_at.into()].span());
    assert_err(safe.upgrade(0.try_into().unwrap()), 'UPG: class hash zero');
    assert_err(safe.upgrade(CdcPool::TEST_CLASS_HASH), 'UPG: not scheduled');
    set_block_timestamp(ready_at - 1);
    assert_err(safe.upgrade(token_class()), 'UPG: not ready');
    set_block_timestamp(ready_at);
    up.upgrade(token_class());
    assert!(find_event(address, selector!("Upgraded")).is_some());
    // The schedule is used up.
    assert_eq!(up.scheduled_upgrade().ready_at, 0);
    assert_err(safe.upgrade(token_class()), 'UPG: not scheduled');
}

#[test]
#[feature("safe_dispatcher")]
fn every_upgrade_entry_point_is_admin_only() {
    let (_, up, safe) = upgradeable();
    up.schedule_upgrade(token_class());
    set_block_timestamp(START + DEFAULT_UPGRADE_DELAY);
    as_(ALICE());
    assert_err(safe.upgrade(token_class()), 'AC: missing role');
    assert_err(safe.schedule_upgrade(token_class()), 'AC: missing role');
    assert_err(safe.cancel_upgrade(), 'AC: missing role');
    assert_err(safe.set_upgrade_delay(0), 'AC: missing role');
}

#[test]
#[feature("safe_dispatcher")]
fn cancel_and_reschedule() {
    let (address, up, safe) = upgradeable();
    assert_err(safe.cancel_upgrade(), 'UPG: not scheduled');
    up.schedule_upgrade(token_class());
    up.cancel_upgrade();
    assert!(find_event(address, selector!("UpgradeCancelled")).is_some());
    set_block_timestamp(START + DEFAULT_UPGRADE_DELAY);
    assert_err(safe.upgrade(token_class()), 'UPG: not scheduled');
    // A new schedule replaces the pending one (reported as cancelled) and restarts the clock.
    up.schedule_upgrade(CdcPool::TEST_CLASS_HASH);
    clear_events(address);
    up.schedule_upgrade(token_class());
    assert!(find_event(address, selector!("UpgradeCancelled")).is_some());
    assert_err(safe.upgrade(CdcPool::TEST_CLASS_HASH), 'UPG: not scheduled');
    assert_eq!(up.scheduled_upgrade().ready_at, START + 2 * DEFAULT_UPGRADE_DELAY);
}

#[test]
#[feature("safe_dispatcher")]
fn a_longer_delay_applies_at_once() {
    let (_, up, safe) = upgradeable();
    up.schedule_upgrade(token_class());
    up.set_upgrade_delay(7 * DAY);
    assert_eq!(up.upgrade_delay(), 7 * DAY);
    assert_eq!(up.pending_upgrade_delay(), PendingUpgradeDelay { delay: 0, effective_at: 0 });
    // Already scheduled: keeps its announced time.
    set_block_timestamp(START + DEFAULT_UPGRADE_DELAY);
    up.upgrade(token_class());
    up.schedule_upgrade(token_class());
    assert_eq!(up.scheduled_upgrade().ready_at, START + DEFAULT_UPGRADE_DELAY + 7 * DAY);
    assert_err(safe.set_upgrade_delay(MAX_UPGRADE_DELAY + 1), 'UPG: delay too long');
    up.set_upgrade_delay(MAX_UPGRADE_DELAY);
    assert_eq!(up.upgrade_delay(), MAX_UPGRADE_DELAY);
}

#[test]
#[feature("safe_dispatcher")]
fn a_shorter_delay_waits_out_the_current_one() {
    let (address, up, safe) = upgradeable();
    up.schedule_upgrade(token_class());
    let ready_at = START + DEFAULT_UPGRADE_DELAY;
    up.set_upgrade_delay(0);
    let data = find_event(address, selector!("UpgradeDelaySet")).unwrap();
    assert_eq!(data, array![0, ready_at.into()].span());
    assert_eq!(up.upgrade_delay(), DEFAULT_UPGRADE_DELAY);
    assert_eq!(up.pending_upgrade_delay(), PendingUpgradeDelay { delay: 0, effective_at: ready_at });
    // Neither the scheduled upgrade nor a fresh schedule gets any faster in the meantime.
    set_block_timestamp(ready_at - 1);
    assert_err(safe.upgrade(token_class()), 'UPG: not ready');
    up.schedule_upgrade(token_class());
    assert_eq!(up.scheduled_upgrade().ready_at, ready_at - 1 + DEFAULT_UPGRADE_DELAY);
    // From effective_at on, the shorter delay is the delay.
    set_block_timestamp(ready_at);
    assert_eq!(up.upgrade_delay(), 0);
    assert_eq!(up.pending_upgrade_delay(), PendingUpgradeDelay { delay: 0, effective_at: 0 });
    up.schedule_upgrade(token_class());
    up.upgrade(token_class());
}

#[test]
fn a_new_request_replaces_a_pending_shorter_delay() {
    let (_, up, _) = upgradeable();
    up.set_upgrade_delay(DAY);
    set_block_timestamp(START + DAY);
    // Another shorter one restarts the wait from now, counted with the delay still in force.
    up.set_upgrade_delay(DAY / 2);
    let effective_at = START + DAY + DEFAULT_UPGRADE_DELAY;
    assert_eq!(up.pending_upgrade_delay(), PendingUpgradeDelay { delay: DAY / 2, effective_at });
    // A longer (or equal) one drops the pending request.
    up.set_upgrade_delay(DEFAULT_UPGRADE_DELAY);
    assert_eq!(up.pending_upgrade_delay(), PendingUpgradeDelay { delay: 0, effective_at: 0 });
    set_block_timestamp(effective_at);
    assert_eq!(up.upgrade_delay(), DEFAULT_UPGRADE_DELAY);
    // A matured shorter delay is the base the next request is measured against.
    up.set_upgrade_delay(DAY);
    set_block_timestamp(effective_at + DEFAULT_UPGRADE_DELAY);
    assert_eq!(up.upgrade_delay(), DAY);
    up.set_upgrade_delay(DAY / 2);
    let later = effective_at + DEFAULT_UPGRADE_DELAY + DAY;
    assert_eq!(up.pending_upgrade_delay(), PendingUpgradeDelay { delay: DAY / 2, effective_at: later });
}

// What a contract announces over SRC-5 comes from the code it runs: an upgrade announces the new
// class's interfaces and stops announcing the old class's (a list written by the constructor
// would still name the token's after the swap, and never the pool's).
#[test]
fn after_an_upgrade_src5_names_the_new_class_interfaces() {
    let (address, up, _) = upgradeable();
    let src5 = ISRC5Dispatcher { contract_address: address };
    assert!(src5.supports_interface(IERC20_ID));
    assert!(!src5.supports_interface(IPOOL_JOBS_ID));
    up.schedule_upgrade(CdcPool::TEST_CLASS_HASH);
    set_block_timestamp(START + DEFAULT_UPGRADE_DELAY);
    up.upgrade(CdcPool::TEST_CLASS_HASH);
    assert!(src5.supports_interface(ISRC5_ID));
    assert!(src5.supports_interface(ICDC_POOL_ID));
    assert!(src5.supports_interface(IPOOL_JOBS_ID));
    assert!(!src5.supports_interface(IERC20_ID));
    assert!(!src5.supports_interface(IMINTABLE_ID));
}
