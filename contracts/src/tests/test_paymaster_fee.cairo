//! Fee mode: `execute_with_fee`, where the user's last call pays the Paymaster.

use core::num::traits::Zero;
use crate::paymaster::interface::{IPaymasterDispatcherTrait, IPaymasterSafeDispatcherTrait};
use crate::token::IERC20DispatcherTrait;
use super::paymaster_utils::{call, env_with_account, outside, register_call, safe, sig};
use super::utils::{
    ADMIN, ALICE, ONE, RELAYER, as_, assert_err, clear_events, find_event, fund,
};

#[test]
#[feature("safe_dispatcher")]
fn fee_mode_requires_final_fee_transfer() {
    let (env, acc) = env_with_account();
    let token = env.token.contract_address;
    let pm = env.pm.contract_address;
    fund(env, acc, 10 * ONE);
    let fee_call = |amount: felt252| {
        call(token, selector!("transfer"), array![pm.into(), amount, 0])
    };
    as_(RELAYER());
    let calls = array![register_call(env), fee_call(ONE.low.into())];
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, calls), sig(), token, ONE),
        'PM: fee token unsupported',
    );
    as_(ADMIN());
    env.pm.set_fee_token(token, true);
    assert!(env.pm.is_fee_token(token));
    as_(RELAYER());
    let wrong_order = array![fee_call(ONE.low.into()), register_call(env)];
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, wrong_order), sig(), token, ONE),
        'PM: last call not fee transfer',
    );
    let not_allowed = array![call(token, selector!("approve"), array![]), fee_call(1)];
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, not_allowed), sig(), token, ONE),
        'PM: call not allowed',
    );
    let underpaid = array![register_call(env), fee_call(ONE.low.into())];
    assert_err(
        safe(env).execute_with_fee(acc, outside(env, 1, underpaid), sig(), token, 2 * ONE),
        'PM: fee not paid',
    );
}

#[test]
#[feature("safe_dispatcher")]
fn fee_mode_collects_and_admin_withdraws() {
    let (env, acc) = env_with_account();
    let token = env.token.contract_address;
    let pm = env.pm.contract_address;
    fund(env, acc, 10 * ONE);
    as_(ADMIN());
    env.pm.set_fee_token(token, true);
    as_(RELAYER());
    let fee = call(token, selector!("transfer"), array![pm.into(), ONE.low.into(), 0]);
    clear_events(pm);
    let calls = array![register_call(env), fee];
    env.pm.execute_with_fee(acc, outside(env, 5, calls), sig(), token, ONE);
    assert_eq!(env.token.balance_of(pm), ONE);
    assert_eq!(env.pm.get_account(acc).txs_in_period, 0);
    assert_eq!(env.pm.get_account(acc).total_sponsored, 1);
    let data = find_event(pm, selector!("SponsoredExecution")).unwrap();
    assert_eq!(*data.at(2), token.into());
    assert_eq!(*data.at(3), ONE.low.into());
    as_(ALICE());
    assert_err(safe(env).withdraw_fees(token, ALICE(), ONE), 'AC: missing role');
    as_(ADMIN());
    env.pm.withdraw_fees(token, ALICE(), ONE);
    assert_eq!(env.token.balance_of(ALICE()), ONE);
    assert!(Zero::is_zero(@env.token.balance_of(pm)));
}

#[test]
fn fee_event_reports_what_the_paymaster_received() {
    let (env, acc) = env_with_account();
    let token = env.token.contract_address;
    let pm = env.pm.contract_address;
    fund(env, acc, 10 * ONE);
    as_(ADMIN());
    env.pm.set_fee_token(token, true);
    as_(RELAYER());
    // The user signed a 5 CIRO fee; the relayer names 1 wei, a minimum the check accepts.
    let fee = call(token, selector!("transfer"), array![pm.into(), (5 * ONE).low.into(), 0]);
    clear_events(pm);
    env.pm.execute_with_fee(acc, outside(env, 9, array![register_call(env), fee]), sig(), token, 1);
    assert_eq!(env.token.balance_of(pm), 5 * ONE);
    let data = find_event(pm, selector!("SponsoredExecution")).unwrap();
    assert_eq!(*data.at(3), (5 * ONE).low.into());
}
