// Every screen: its hash path, who may see it, and the function that draws it.
import * as onboarding from "./views/onboarding.js";
import * as citizen from "./views/citizen.js";
import * as pay from "./views/pay.js";
import * as shop from "./views/shop.js";
import * as city from "./views/city.js";
import * as report from "./views/report.js";
import * as shopJoin from "./views/shopjoin.js";

export const ROUTES = [
  { path: "/welcome", auth: false, view: onboarding.welcome },
  { path: "/wallet/new", auth: false, view: onboarding.createWallet },
  { path: "/wallet/restore", auth: false, view: onboarding.restoreWallet },
  { path: "/unlock", auth: false, view: onboarding.unlock },
  { path: "/account", view: onboarding.account },
  { path: "/backup", view: onboarding.backup },
  { path: "/tasks", mode: "citizen", view: citizen.tasks },
  { path: "/tasks/:id", mode: "citizen", view: citizen.task },
  { path: "/claims", mode: "citizen", view: citizen.claims },
  { path: "/wallet", view: citizen.balance },
  { path: "/pay", mode: "citizen", view: pay.pay },
  { path: "/pay/:id", mode: "citizen", view: pay.payRequest },
  { path: "/shop/join", view: shopJoin.join },
  { path: "/shop", role: "merchant", mode: "shop", view: shop.checkout },
  { path: "/shop/redeem", role: "merchant", mode: "shop", view: shop.redeem },
  { path: "/city/review", role: "operator", mode: "city", view: city.review },
  { path: "/city/tasks", role: "operator", mode: "city", view: city.tasks },
  { path: "/city/shops", role: "operator", mode: "city", view: city.shops },
  { path: "/city/payouts", role: "operator", mode: "city", view: city.payouts },
  { path: "/city/report", role: "operator", mode: "city", view: report.report },
  { path: "/city/audit", role: "operator", mode: "city", view: city.audit },
];
