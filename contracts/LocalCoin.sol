// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC3009} from "@openzeppelin/contracts/token/ERC20/extensions/draft-ERC3009.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title LocalCoin — a city's own reward coin
/// @notice Citizens are rewarded for public-space tasks (each claim pays at most once, within a mint limit),
/// spend the coins at registered merchants (closed loop), and merchants redeem them for euros (burn).
/// Nobody needs gas to pay: EIP-2612 `permit`, EIP-3009 transfer/receive/cancel authorizations and
/// `redeemWithAuthorization` are signed off-chain and relayed by anyone.
///
/// EIP-712 domain of every signature: `name` = this token's name (the constructor's `name_`),
/// `version` = "1", `chainId` = the chain's id, `verifyingContract` = this contract.
///
/// Amounts are integer units; `decimals()` is 2 (1 coin = 100 units).
contract LocalCoin is ERC20, ERC20Permit, ERC3009, AccessControl, Pausable {
    // ----------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------

    /// @notice The claim was rewarded before; a claim pays at most once, ever.
    error LocalCoinAlreadyRewarded(bytes32 claimId);

    /// @notice A reward of zero units would mark the claim paid without paying it.
    error LocalCoinZeroReward(bytes32 claimId);

    /// @notice `rewardBatch` was given arrays of different lengths.
    error LocalCoinLengthMismatch(uint256 citizens, uint256 amounts, uint256 claimIds);

    /// @notice Minting `requested` units would exceed what is left of the current window's budget.
    error LocalCoinMintLimitExceeded(uint256 requested, uint256 remaining);

    /// @notice A mint window must last at least one second.
    error LocalCoinZeroMintPeriod();

    /// @notice Neither side is a merchant and person-to-person transfers are closed.
    error LocalCoinTransferNotAllowed(address from, address to);

    /// @notice Only registered merchants may redeem coins.
    error LocalCoinNotMerchant(address account);

    /// @notice A redemption of zero units pays nothing out and is refused.
    error LocalCoinZeroRedemption(bytes32 ref);

    // ----------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------

    /// @notice The claim `claimId` paid `amount` units to `citizen`.
    event Rewarded(bytes32 indexed claimId, address indexed citizen, uint256 amount);

    /// @notice `account` was registered (`accepted`) or deregistered as a merchant.
    event MerchantSet(address indexed account, bool accepted);

    /// @notice Person-to-person transfers were opened (`open`) or closed.
    event OpenTransfersSet(bool open);

    /// @notice The mint budget became `amountPerPeriod` units per window of `periodSeconds`.
    event MintLimitSet(uint256 amountPerPeriod, uint64 periodSeconds);

    /// @notice `merchant` burnt `amount` units to be paid out in euros under reference `ref`.
    event Redeemed(address indexed merchant, uint256 amount, bytes32 indexed ref);

    // ----------------------------------------------------------------------------------------------
    // Storage
    // ----------------------------------------------------------------------------------------------

    // These three share one slot with Pausable's `_paused` (Pausable is the last base contract), so
    // `_update` reads the pause flag and the transfer policy with one SLOAD, and a reward reads the
    // pause flag and the mint limit with one SLOAD.
    bool private _openTransfers;
    uint64 private _mintPeriod;
    uint128 private _mintLimit;

    /// @dev The mint window last minted in (`block.timestamp / _mintPeriod`) and what it minted.
    uint64 private _mintWindow;
    uint192 private _mintedInWindow;

    mapping(address account => bool accepted) private _merchants;

    /// @dev Rewarded claims as a bitmap keyed by the claimId's integer value: word `id >> 8`, bit
    /// `id & 0xff`. Sequential claim numbers share words, so a claim costs about one bit.
    mapping(uint256 word => uint256 bits) private _rewardedBits;

    // ----------------------------------------------------------------------------------------------
    // Constants
    // ----------------------------------------------------------------------------------------------

    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice EIP-712 type hash of `redeemWithAuthorization`.
    bytes32 public constant REDEEM_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "RedeemWithAuthorization(address merchant,uint256 amount,bytes32 ref,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    /// @notice Mint budget at deployment: 100,000.00 coins (10,000,000 units) ...
    uint128 public constant DEFAULT_MINT_LIMIT = 100_000_00;
    /// @notice ... per day. The admin changes both with `setMintLimit`.
    uint64 public constant DEFAULT_MINT_PERIOD = 1 days;

    // ----------------------------------------------------------------------------------------------
    // Construction
    // ----------------------------------------------------------------------------------------------

    /// @param name_ Token name; also the EIP-712 domain name (domain version "1").
    /// @param symbol_ Token symbol.
    /// @param admin Receives DEFAULT_ADMIN_ROLE, REGISTRAR_ROLE and PAUSER_ROLE.
    /// @param minter Receives MINTER_ROLE (the backend's key).
    /// @dev Starts closed (person-to-person transfers off), unpaused, with a mint limit of
    /// DEFAULT_MINT_LIMIT units per DEFAULT_MINT_PERIOD seconds.
    constructor(string memory name_, string memory symbol_, address admin, address minter)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(MINTER_ROLE, minter);
        _setMintLimit(DEFAULT_MINT_LIMIT, DEFAULT_MINT_PERIOD);
    }

    // ----------------------------------------------------------------------------------------------
    // Rewards
    // ----------------------------------------------------------------------------------------------

    /// @notice Pays `amount` units to `citizen` for the claim `claimId`. MINTER_ROLE only.
    /// @dev Emits `Transfer` (from zero) and `Rewarded`. Reverts `LocalCoinAlreadyRewarded` if the claim
    /// was paid before, `LocalCoinZeroReward` for a zero amount, `ERC20InvalidReceiver` for the zero
    /// address, `LocalCoinMintLimitExceeded` over the window's budget, `EnforcedPause` while paused.
    function reward(address citizen, uint256 amount, bytes32 claimId) external onlyRole(MINTER_ROLE) {
        uint256 id = uint256(claimId);
        uint256 mask = 1 << (id & 0xff);
        uint256 bits = _rewardedBits[id >> 8];
        if (bits & mask != 0) revert LocalCoinAlreadyRewarded(claimId);
        _rewardedBits[id >> 8] = bits | mask;
        _spendMintBudget(amount);
        _pay(citizen, amount, claimId);
    }

    /// @notice Pays `amounts[i]` to `citizens[i]` for each claim `claimIds[i]` not paid before. MINTER_ROLE only.
    /// @dev Safe to resend: claims already rewarded, before or earlier in the same batch, are skipped
    /// silently (no event). Emits `Transfer` and `Rewarded` for each claim paid. The mint limit is
    /// checked once, against the total paid. Reverts `LocalCoinLengthMismatch`, `LocalCoinZeroReward`,
    /// `ERC20InvalidReceiver` (zero address), `LocalCoinMintLimitExceeded`, `EnforcedPause`; a revert
    /// pays nothing. Each bitmap word is loaded and stored once per run of claimIds that fall in it.
    function rewardBatch(address[] calldata citizens, uint256[] calldata amounts, bytes32[] calldata claimIds)
        external
        onlyRole(MINTER_ROLE)
    {
        if (amounts.length != citizens.length || claimIds.length != citizens.length) {
            revert LocalCoinLengthMismatch(citizens.length, amounts.length, claimIds.length);
        }
        uint256 total = 0;
        // No claimId maps to word 2**256 - 1 (ids >> 8 < 2**248), so the first id always loads its word.
        uint256 word = type(uint256).max;
        uint256 loaded = 0;
        uint256 bits = 0;
        for (uint256 i; i < citizens.length; ++i) {
            uint256 id = uint256(claimIds[i]);
            if (id >> 8 != word) {
                if (bits != loaded) _rewardedBits[word] = bits;
                word = id >> 8;
                loaded = _rewardedBits[word];
                bits = loaded;
            }
            uint256 mask = 1 << (id & 0xff);
            if (bits & mask != 0) continue;
            bits |= mask;
            // Checked: the sum stays below totalSupply, which `_mint` keeps from overflowing.
            total += _pay(citizens[i], amounts[i], bytes32(id));
        }
        if (bits != loaded) _rewardedBits[word] = bits;
        _spendMintBudget(total);
    }

    /// @notice Whether the claim `claimId` has been rewarded. Anyone may call.
    function isRewarded(bytes32 claimId) external view returns (bool) {
        uint256 id = uint256(claimId);
        return _rewardedBits[id >> 8] & (1 << (id & 0xff)) != 0;
    }

    // ----------------------------------------------------------------------------------------------
    // Mint limit
    // ----------------------------------------------------------------------------------------------

    /// @notice Sets the mint budget to `amountPerPeriod` units per fixed window of `periodSeconds`
    /// (windows are `block.timestamp / periodSeconds`). DEFAULT_ADMIN_ROLE only.
    /// @dev What the current window already minted still counts in the new current window, so
    /// changing the limit never hands out a fresh budget early. Emits `MintLimitSet`. Reverts
    /// `LocalCoinZeroMintPeriod` for a zero period, `SafeCastOverflowedUintDowncast` above 2**128 - 1.
    function setMintLimit(uint256 amountPerPeriod, uint64 periodSeconds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMintLimit(amountPerPeriod, periodSeconds);
    }

    /// @notice Units that may still be minted in the current window. Anyone may call.
    function mintLimitRemaining() external view returns (uint256) {
        (uint256 remaining,,) = _mintBudget();
        return remaining;
    }

    /// @notice The mint budget: `amountPerPeriod` units per window of `periodSeconds`. Anyone may call.
    function mintLimit() external view returns (uint256 amountPerPeriod, uint64 periodSeconds) {
        return (_mintLimit, _mintPeriod);
    }

    // ----------------------------------------------------------------------------------------------
    // Merchants and the closed loop
    // ----------------------------------------------------------------------------------------------

    /// @notice Registers (`accepted` = true) or deregisters `account` as a merchant. REGISTRAR_ROLE only.
    /// @dev Emits `MerchantSet`.
    function setMerchant(address account, bool accepted) external onlyRole(REGISTRAR_ROLE) {
        _merchants[account] = accepted;
        emit MerchantSet(account, accepted);
    }

    /// @notice Whether `account` is a registered merchant. Anyone may call.
    function isMerchant(address account) external view returns (bool) {
        return _merchants[account];
    }

    /// @notice Opens (`open` = true) or closes person-to-person transfers. DEFAULT_ADMIN_ROLE only.
    /// @dev While closed, a transfer needs a merchant on one side. Emits `OpenTransfersSet`.
    function setOpenTransfers(bool open) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _openTransfers = open;
        emit OpenTransfersSet(open);
    }

    /// @notice Whether person-to-person transfers are open. Anyone may call.
    function openTransfers() external view returns (bool) {
        return _openTransfers;
    }

    // ----------------------------------------------------------------------------------------------
    // Redemption
    // ----------------------------------------------------------------------------------------------

    /// @notice Burns `amount` of the caller's units, to be paid out in euros under reference `ref`.
    /// Registered merchants only.
    /// @dev Emits `Transfer` (to zero) and `Redeemed`. Reverts `LocalCoinNotMerchant`,
    /// `LocalCoinZeroRedemption`, `ERC20InsufficientBalance`, `EnforcedPause`.
    function redeem(uint256 amount, bytes32 ref) external {
        _redeem(_msgSender(), amount, ref);
    }

    /// @notice Redeems for `merchant` with the merchant's EIP-712 signature; anyone may relay it.
    /// @dev Signed type: `RedeemWithAuthorization(address merchant,uint256 amount,bytes32 ref,uint256 validAfter,uint256 validBefore,bytes32 nonce)`
    /// in the domain {name: token name, version: "1", chainId, verifyingContract: this}. The nonce is
    /// in the same space as EIP-3009's (`authorizationState`, `cancelAuthorization`); the validity
    /// window is EIP-3009's (valid strictly after `validAfter` and strictly before `validBefore`).
    /// Emits `AuthorizationUsed`, `Transfer` and `Redeemed`. Reverts `ERC3009InvalidSignature`,
    /// `ERC3009InvalidAuthorizationTime`, `ERC3009UsedAuthorization`, and as `redeem` does.
    function redeemWithAuthorization(
        address merchant,
        uint256 amount,
        bytes32 ref,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        bytes32 hash = _hashTypedDataV4(
            keccak256(abi.encode(REDEEM_WITH_AUTHORIZATION_TYPEHASH, merchant, amount, ref, validAfter, validBefore, nonce))
        );
        if (ECDSA.recover(hash, v, r, s) != merchant) revert ERC3009InvalidSignature();
        _checkValidity(validAfter, validBefore);
        _consumeNonce(merchant, nonce);
        emit AuthorizationUsed(merchant, nonce);
        _redeem(merchant, amount, ref);
    }

    // ----------------------------------------------------------------------------------------------
    // Pause
    // ----------------------------------------------------------------------------------------------

    /// @notice Stops transfers (and so the authorizations that transfer), rewards and redemptions;
    /// views, `approve`, `permit` and `cancelAuthorization` keep working (they move no money, and a
    /// holder must be able to revoke a leaked signature during an incident). PAUSER_ROLE only.
    /// @dev Emits `Paused`. Reverts `EnforcedPause` if already paused.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lets money move again. PAUSER_ROLE only.
    /// @dev Emits `Unpaused`. Reverts `ExpectedPause` if not paused.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ----------------------------------------------------------------------------------------------
    // ERC-20 metadata
    // ----------------------------------------------------------------------------------------------

    /// @notice Coin amounts have two decimals: 1 coin = 100 units.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    // ----------------------------------------------------------------------------------------------
    // Internal logic
    // ----------------------------------------------------------------------------------------------

    /// @dev The one rule for every balance change: nothing moves while paused, and a transfer (not a
    /// mint or burn, which `reward` and `redeem` govern) needs open transfers or a merchant on one side.
    /// The receiver is checked first: paying a shop is the common case.
    function _update(address from, address to, uint256 value) internal override {
        _requireNotPaused();
        if (from != address(0) && to != address(0) && !_openTransfers && !_merchants[to] && !_merchants[from]) {
            revert LocalCoinTransferNotAllowed(from, to);
        }
        super._update(from, to, value);
    }

    /// @dev Mints a claim's reward; the caller has marked the claim paid and accounts for the mint limit.
    function _pay(address citizen, uint256 amount, bytes32 claimId) private returns (uint256) {
        if (amount == 0) revert LocalCoinZeroReward(claimId);
        _mint(citizen, amount);
        emit Rewarded(claimId, citizen, amount);
        return amount;
    }

    function _redeem(address merchant, uint256 amount, bytes32 ref) private {
        if (!_merchants[merchant]) revert LocalCoinNotMerchant(merchant);
        if (amount == 0) revert LocalCoinZeroRedemption(ref);
        _burn(merchant, amount);
        emit Redeemed(merchant, amount, ref);
    }

    function _setMintLimit(uint256 amountPerPeriod, uint64 periodSeconds) private {
        if (periodSeconds == 0) revert LocalCoinZeroMintPeriod();
        uint128 limit = SafeCast.toUint128(amountPerPeriod);
        // Before the first call `_mintPeriod` is zero and nothing was minted: start from an empty window.
        uint256 minted = _mintPeriod == 0 ? 0 : _mintedSoFar();
        _mintLimit = limit;
        _mintPeriod = periodSeconds;
        // block.timestamp / periodSeconds <= block.timestamp < 2**64 for the foreseeable future;
        // minted <= the old limit < 2**128 fits in uint192.
        _mintWindow = uint64(block.timestamp / periodSeconds);
        _mintedInWindow = uint192(minted);
        emit MintLimitSet(amountPerPeriod, periodSeconds);
    }

    /// @dev Takes `amount` from the current window's budget; reverts `LocalCoinMintLimitExceeded` over it.
    function _spendMintBudget(uint256 amount) private {
        (uint256 remaining, uint256 minted, uint256 window) = _mintBudget();
        if (amount > remaining) revert LocalCoinMintLimitExceeded(amount, remaining);
        _mintWindow = uint64(window);
        // minted + amount <= _mintLimit < 2**128: no overflow, and it fits in uint192.
        unchecked {
            _mintedInWindow = uint192(minted + amount);
        }
    }

    /// @dev What is left of the current window's budget, what it minted, and the window's number.
    function _mintBudget() private view returns (uint256 remaining, uint256 minted, uint256 window) {
        window = block.timestamp / _mintPeriod;
        // Windows only move forward (setMintLimit re-anchors to the current one), so "later" means "new".
        minted = window > _mintWindow ? 0 : _mintedInWindow;
        uint256 limit = _mintLimit;
        // The admin may have lowered the limit below what this window already minted.
        unchecked {
            remaining = limit > minted ? limit - minted : 0;
        }
    }

    function _mintedSoFar() private view returns (uint256 minted) {
        (, minted,) = _mintBudget();
    }
}
