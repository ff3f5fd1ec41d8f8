// The calendar is server-rendered; its script only opens a chosen saved view.
import { bindViewSwitch } from "./views_common.js";

bindViewSwitch();
