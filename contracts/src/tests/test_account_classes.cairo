//! The account-class allowlist: only accounts whose class is trusted to run exactly the
//! allowlisted calls are relayed to.

use core::num::traits::Zero;
use starknet::ClassHash;
use starknet::testing::pop_log_raw;
use crate::cdc_pool::ICdcPoolDispatcherTrait;
use crate::paymaster::interface::{IPaymasterDispatcherTrait, IPaymasterSafeDispatcherTrait};
use crate::token::IERC20DispatcherTrait;
use super::mocks::{HiddenCallAccount, MockAccount};
use super::paymaster_utils::{call, env_with_account, outside, register_call, safe, sig};
use super::utils::{ADMIN, ALICE, ONE, RELAYER, as_, assert_err, clear_events, deploy, fund};

#[test]
#[feature("safe_dispatcher")]
fn only_allowed_account_classes_are_relayed() {
    let (env, acc) = env_with_account();
    let pm = env.pm.contract_address;
    let mock: ClassHash = MockAccount::TEST_CLASS_HASH;
    assert!(env.pm.is_account_class(mock));
    as_(ALICE());
    assert_err(safe(env).set_account_class(mock, false), 'AC: missing role');
    as_(ADMIN());
    clear_events(pm);
    env.pm.set_account_class(mock, false);
    let (keys, data) = pop_log_raw(pm).unwrap();
    assert_eq!(keys, array![selector!("AccountClassSet"), mock.into()].span());
    assert_eq!(data, array![0].span());
    assert!(!env.pm.is_account_class(mock));
    as_(RELAYER());
    let calls = array![register_call(env)];
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 1, calls.clone()), sig()),
        'PM: account class not allowed',
    );
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, calls.clone()), sig(), Zero::zero(), ONE),
        'PM: account class not allowed',
    );
    // An address without a contract reads as class 0.
    assert_err(
        safe(env).execute_sponsored(ALICE(), outside(env, 1, calls.clone()), sig()),
        'PM: account class not allowed',
    );
    // The blacklist is checked first.
    as_(ADMIN());
    env.pm.set_blacklisted(acc, true);
    as_(RELAYER());
    assert_err(
        safe(env).execute_sponsored(acc, outside(env, 1, calls.clone()), sig()),
        'PM: account blacklisted',
    );
    as_(ADMIN());
    env.pm.set_blacklisted(acc, false);
    env.pm.set_account_class(mock, true);
    assert!(env.pm.is_account_class(mock));
    as_(RELAYER());
    env.pm.execute_sponsored(acc, outside(env, 1, calls), sig());
    assert!(env.pool.get_worker(acc).registered);
}

#[test]
#[feature("safe_dispatcher")]
fn account_that_hides_its_calls_is_refused() {
    let (env, _) = env_with_account();
    let to_alice = array![ALICE().into(), 5, 0];
    let hidden = call(env.token.contract_address, selector!("transfer"), to_alice);
    let mut cd = array![];
    hidden.serialize(ref cd);
    let fake = deploy(HiddenCallAccount::TEST_CLASS_HASH, cd);
    fund(env, fake, 5);
    // The signed-looking payload is allowlisted; what the contract runs is not.
    let shown = array![register_call(env)];
    as_(RELAYER());
    assert_err(
        safe(env).execute_sponsored(fake, outside(env, 1, shown.clone()), sig()),
        'PM: account class not allowed',
    );
    assert_eq!(env.token.balance_of(ALICE()), 0);
    // Why the class check is needed: the call allowlist alone lets the hidden transfer through.
    as_(ADMIN());
    env.pm.set_account_class(HiddenCallAccount::TEST_CLASS_HASH, true);
    as_(RELAYER());
    env.pm.execute_sponsored(fake, outside(env, 1, shown), sig());
    assert_eq!(env.token.balance_of(ALICE()), 5);
}
