use core::num::traits::{Bounded, Zero};
use crate::access::{IAccessControlDispatcher, IAccessControlDispatcherTrait, MINTER_ROLE};
use crate::token::{
    IERC20CamelDispatcher, IERC20CamelDispatcherTrait, IERC20DispatcherTrait,
    IERC20SafeDispatcher, IERC20SafeDispatcherTrait, IMintableDispatcher,
    IMintableDispatcherTrait, IMintableSafeDispatcher, IMintableSafeDispatcherTrait,
};
use super::utils::{
    ADMIN, ALICE, BOB, ONE, SUPPLY, as_, assert_err, deploy_token, clear_events, find_event,
};

#[test]
fn constructor_sets_metadata_supply_and_roles() {
    as_(ADMIN());
    let token = deploy_token();
    assert_eq!(token.name(), "CIRO");
    assert_eq!(token.symbol(), "CIRO");
    assert_eq!(token.decimals(), 18);
    assert_eq!(token.total_supply(), SUPPLY);
    assert_eq!(token.balance_of(ADMIN()), SUPPLY);
    let ac = IAccessControlDispatcher { contract_address: token.contract_address };
    assert!(ac.has_role(0, ADMIN()));
    assert!(ac.has_role(MINTER_ROLE, ADMIN()));
    assert!(find_event(token.contract_address, selector!("Transfer")).is_some());
}

#[test]
fn transfer_and_transfer_from() {
    as_(ADMIN());
    let token = deploy_token();
    clear_events(token.contract_address);
    assert!(token.transfer(ALICE(), 5 * ONE));
    let data = find_event(token.contract_address, selector!("Transfer")).unwrap();
    assert_eq!(data, array![5 * 1_000_000_000_000_000_000, 0].span());
    as_(ALICE());
    token.approve(BOB(), 3 * ONE);
    assert_eq!(token.allowance(ALICE(), BOB()), 3 * ONE);
    as_(BOB());
    token.transfer_from(ALICE(), BOB(), 2 * ONE);
    assert_eq!(token.allowance(ALICE(), BOB()), ONE);
    assert_eq!(token.balance_of(ALICE()), 3 * ONE);
    assert_eq!(token.balance_of(BOB()), 2 * ONE);
    // camelCase aliases hit the same state.
    let camel = IERC20CamelDispatcher { contract_address: token.contract_address };
    camel.transferFrom(ALICE(), BOB(), ONE);
    assert_eq!(camel.balanceOf(BOB()), 3 * ONE);
    assert_eq!(camel.totalSupply(), SUPPLY);
}

#[test]
fn unlimited_allowance_is_not_decremented() {
    as_(ADMIN());
    let token = deploy_token();
    token.approve(ALICE(), Bounded::MAX);
    as_(ALICE());
    token.transfer_from(ADMIN(), BOB(), ONE);
    assert_eq!(token.allowance(ADMIN(), ALICE()), Bounded::MAX);
}

#[test]
#[feature("safe_dispatcher")]
fn transfer_errors() {
    as_(ADMIN());
    let token = deploy_token();
    let safe = IERC20SafeDispatcher { contract_address: token.contract_address };
    assert_err(safe.transfer(Zero::zero(), ONE), 'ERC20: transfer to zero');
    as_(ALICE());
    assert_err(safe.transfer(BOB(), 1), 'ERC20: insufficient balance');
    assert_err(safe.transfer_from(ADMIN(), ALICE(), 1), 'ERC20: insufficient allowance');
    assert_err(safe.approve(Zero::zero(), 1), 'ERC20: approve to zero');
}

#[test]
#[feature("safe_dispatcher")]
fn mint_requires_minter_role() {
    as_(ADMIN());
    let token = deploy_token();
    let mint = IMintableDispatcher { contract_address: token.contract_address };
    mint.mint(ALICE(), ONE);
    assert_eq!(token.total_supply(), SUPPLY + ONE);
    assert_eq!(token.balance_of(ALICE()), ONE);
    as_(ALICE());
    let safe = IMintableSafeDispatcher { contract_address: token.contract_address };
    assert_err(safe.mint(ALICE(), ONE), 'AC: missing role');
}
