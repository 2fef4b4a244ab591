// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BaselineToken — a plain OpenZeppelin ERC-20, for the gas benchmark only
/// @notice The yardstick LocalCoin's gas is measured against (bench/gas.py). Anyone may mint: never deploy
/// it anywhere that matters.
contract BaselineToken is ERC20 {
    constructor() ERC20("Baseline", "BASE") {}

    /// @notice Mints `amounts[i]` to `recipients[i]`; the plain loop LocalCoin's `rewardBatch` is compared with.
    function batchMint(address[] calldata recipients, uint256[] calldata amounts) external {
        for (uint256 i; i < recipients.length; ++i) {
            _mint(recipients[i], amounts[i]);
        }
    }
}
