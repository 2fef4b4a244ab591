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

    /// @notice Minting `requested` units would take the last period's mints over the limit; `remaining`
    /// units may be minted now (see `setMintLimit`).
    error LocalCoinMintLimitExceeded(uint256 requested, uint256 remaining);

    /// @notice A mint period must last at least one second.
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

    /// @notice The mint limit became `amountPerPeriod` units in any `periodSeconds` consecutive seconds.
    event MintLimitSet(uint256 amountPerPeriod, uint64 periodSeconds);

    /// @notice `merchant` burnt `amount` units to be paid out in euros under reference `ref`.
    event Redeemed(address indexed merchant, uint256 amount, bytes32 indexed ref);

    // ----------------------------------------------------------------------------------------------
    // Storage
    // ----------------------------------------------------------------------------------------------

    // These four share one slot with Pausable's `_paused` (Pausable is the last base contract), so
    // `_update` reads the pause flag and the transfer policy with one SLOAD, and a reward reads the
    // pause flag and the mint limit with one SLOAD.
    bool private _openTransfers;
    uint64 private _mintPeriod;
    uint64 private _mintLimit;
    /// @dev The mint slice `_mintedPerSlice` was last brought up to (`block.timestamp / _sliceLength(_mintPeriod)`).
    uint64 private _mintSlice;

    /// @dev Units minted in slice `_mintSlice` (lowest 56 bits) and in each of the three slices before it
    /// (the next 56-bit lanes, oldest highest), and `_NOT_EMPTY`. One slot, so a reward or a batch reads
    /// and writes it once.
    uint256 private _mintedPerSlice;

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

    /// @notice Mint limit at deployment: 100,000.00 coins (10,000,000 units) ...
    uint128 public constant DEFAULT_MINT_LIMIT = 100_000_00;
    /// @notice ... per day. The admin changes both with `setMintLimit`.
    uint64 public constant DEFAULT_MINT_PERIOD = 1 days;

    /// @dev The mint limit counts the current slice and the `_SLICES_PER_PERIOD` slices before it.
    uint256 private constant _SLICES_PER_PERIOD = 3;
    /// @dev Width of one slice's lane in `_mintedPerSlice`; it caps the limit at 2**56 - 1 units.
    uint256 private constant _SLICE_BITS = 56;
    uint256 private constant _SLICE_MASK = type(uint56).max;
    /// @dev The four lanes of `_mintedPerSlice`.
    uint256 private constant _SLICES_MASK = (1 << (4 * _SLICE_BITS)) - 1;
    /// @dev Always set in `_mintedPerSlice`, outside the lanes: the slot never returns to zero, so the
    /// first mint after a quiet spell stores over a non-zero value (2,900 gas, not 20,000).
    uint256 private constant _NOT_EMPTY = 1 << 255;

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
    /// address, `LocalCoinMintLimitExceeded` over the mint limit, `EnforcedPause` while paused.
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

    /// @notice Limits minting to `amountPerPeriod` units in any `periodSeconds` consecutive seconds, not
    /// only within fixed windows: minting the limit just before a clock boundary and again just after
    /// reverts. DEFAULT_ADMIN_ROLE only.
    /// @dev Guarantee: while the period stays the same, the units minted in any `periodSeconds`
    /// consecutive seconds (of block time) never exceed `amountPerPeriod` as it stood at the last mint
    /// among them.
    /// How: time is cut into slices of s = ceil(periodSeconds / 3) seconds (slice of t = t / s). A mint
    /// in slice j goes through only if it and all units minted in slices j-3 .. j stay within the
    /// limit. Take any span of `periodSeconds` seconds and its last mint, at time t in slice j: every
    /// mint of the span came after t - periodSeconds >= t - 3s, so in slice j-3 or later, and the
    /// check of that last mint counted them all.
    /// The price of keeping four numbers instead of every mint's time: a unit counts until four slices
    /// after its own begin, longer than one period and at most four slices (about 4/3 of a period). So
    /// the whole limit minted at once comes back within about 4/3 of a period, and a steady flow can mint
    /// about 3/4 of the limit per period.
    /// Changing the limit never hands out a fresh budget: with the same period every slice keeps its
    /// units; with another period all units the old slices still count move into the current slice (of
    /// the new length), where they count for more than one new period (units the old period had already
    /// let go of stay gone, so just after lengthening the period a span may hold those as well).
    /// A limit below what is counted leaves nothing to mint until enough of it stops counting.
    /// Emits `MintLimitSet`. Reverts `LocalCoinZeroMintPeriod` for a zero period,
    /// `SafeCastOverflowedUintDowncast` above 2**56 - 1 units (each slice's count has 56 bits).
    function setMintLimit(uint256 amountPerPeriod, uint64 periodSeconds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMintLimit(amountPerPeriod, periodSeconds);
    }

    /// @notice Units that may be minted now without breaking the limit (see `setMintLimit`). Anyone may call.
    function mintLimitRemaining() external view returns (uint256) {
        (uint256 remaining,,,) = _mintBudget();
        return remaining;
    }

    /// @notice The mint limit: `amountPerPeriod` units in any `periodSeconds` consecutive seconds. Anyone may call.
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
        uint56 limit = SafeCast.toUint56(amountPerPeriod);
        uint64 oldPeriod = _mintPeriod;
        if (periodSeconds != oldPeriod) {
            // Slices change length: what the old slices still count moves into the current new slice.
            // Before the first call `_mintPeriod` is zero and nothing was minted.
            uint256 minted = 0;
            if (oldPeriod != 0) {
                (, uint256 perSlice,,) = _mintBudget();
                minted = _sumOfSlices(perSlice);
            }
            // The slice number is at most block.timestamp, below 2**64 for the foreseeable future.
            _mintSlice = uint64(block.timestamp / _sliceLength(periodSeconds));
            // minted <= the old limit < 2**56: it fits in the current slice's lane.
            _mintedPerSlice = minted | _NOT_EMPTY;
        }
        _mintLimit = limit;
        _mintPeriod = periodSeconds;
        emit MintLimitSet(amountPerPeriod, periodSeconds);
    }

    /// @dev Counts `amount` in the current slice; reverts `LocalCoinMintLimitExceeded` over the limit.
    function _spendMintBudget(uint256 amount) private {
        (uint256 remaining, uint256 perSlice, uint64 slice, bool moved) = _mintBudget();
        if (amount > remaining) revert LocalCoinMintLimitExceeded(amount, remaining);
        // The current slice's lane holds at most the four slices' sum, and sum + amount <= limit < 2**56:
        // the addition neither overflows nor carries into the previous slice's lane.
        unchecked {
            perSlice += amount;
        }
        if (moved) _mintSlice = slice;
        _mintedPerSlice = perSlice | _NOT_EMPTY;
    }

    /// @dev What may be minted now, the per-slice counts brought up to the current slice, its number, and
    /// whether it differs from `_mintSlice`.
    function _mintBudget() private view returns (uint256 remaining, uint256 perSlice, uint64 slice, bool moved) {
        // Read together: the three share a slot.
        uint64 period = _mintPeriod;
        uint64 last = _mintSlice;
        uint256 limit = _mintLimit;
        // At most block.timestamp, below 2**64 for the foreseeable future.
        slice = uint64(block.timestamp / _sliceLength(period));
        moved = slice != last;
        perSlice = _mintedPerSlice;
        if (moved) {
            // Slices only move forward (setMintLimit re-anchors to the current one when their length
            // changes); checked all the same, as a wrap-around would hand out the whole limit.
            uint256 passed = slice - last;
            // Each slice passed shifts every count one lane older; the oldest fall off the four lanes.
            // passed <= 3 where it is multiplied: the shift is at most 168 bits.
            unchecked {
                perSlice = passed > _SLICES_PER_PERIOD ? 0 : perSlice << (passed * _SLICE_BITS);
            }
        }
        perSlice &= _SLICES_MASK;
        uint256 minted = _sumOfSlices(perSlice);
        // The admin may have lowered the limit below what the last slices minted.
        unchecked {
            remaining = limit > minted ? limit - minted : 0;
        }
    }

    /// @dev Seconds in one slice: ceil(period / 3), so three slices cover a period. At least 1 for a period >= 1.
    function _sliceLength(uint64 period) private pure returns (uint256) {
        return (uint256(period) + _SLICES_PER_PERIOD - 1) / _SLICES_PER_PERIOD;
    }

    /// @dev Units counted in the four lanes of `perSlice`.
    function _sumOfSlices(uint256 perSlice) private pure returns (uint256) {
        // Four lanes of at most 2**56 - 1 each: the sum stays below 2**58.
        unchecked {
            return (perSlice & _SLICE_MASK) + ((perSlice >> _SLICE_BITS) & _SLICE_MASK)
                + ((perSlice >> (2 * _SLICE_BITS)) & _SLICE_MASK) + ((perSlice >> (3 * _SLICE_BITS)) & _SLICE_MASK);
        }
    }
}
