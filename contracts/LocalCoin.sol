// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title LocalCoin — a city's own reward coin (first version: rewards exactly once)
/// @notice Citizens are rewarded for public-space tasks; each claim pays at most once.
contract LocalCoin is ERC20, AccessControl {
    /// @notice The claim was rewarded before; a claim pays at most once, ever.
    error LocalCoinAlreadyRewarded(bytes32 claimId);

    /// @notice Emitted once per paid claim.
    event Rewarded(bytes32 indexed claimId, address indexed citizen, uint256 amount);

    /// @dev Rewarded claims as a bitmap: word `id >> 8`, bit `id & 0xff`.
    mapping(uint256 word => uint256 bits) private _rewardedBits;

    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    constructor(string memory name_, string memory symbol_, address admin, address minter) ERC20(name_, symbol_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, minter);
    }

    /// @notice Coin amounts have two decimals: 1 coin = 100 units.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @notice Pays `amount` units to `citizen` for the claim `claimId`. MINTER only.
    /// @dev Emits `Rewarded` and `Transfer`; reverts `LocalCoinAlreadyRewarded` on a repeat.
    function reward(address citizen, uint256 amount, bytes32 claimId) external onlyRole(MINTER_ROLE) {
        (uint256 word, uint256 mask) = _bitOf(claimId);
        uint256 bits = _rewardedBits[word];
        if (bits & mask != 0) revert LocalCoinAlreadyRewarded(claimId);
        _rewardedBits[word] = bits | mask;
        _mint(citizen, amount);
        emit Rewarded(claimId, citizen, amount);
    }

    /// @notice Whether the claim `claimId` has been rewarded.
    function isRewarded(bytes32 claimId) external view returns (bool) {
        (uint256 word, uint256 mask) = _bitOf(claimId);
        return _rewardedBits[word] & mask != 0;
    }

    function _bitOf(bytes32 claimId) private pure returns (uint256 word, uint256 mask) {
        uint256 id = uint256(claimId);
        return (id >> 8, 1 << (id & 0xff));
    }
}
