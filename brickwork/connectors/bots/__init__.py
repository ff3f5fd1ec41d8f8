"""Group bots of DingTalk, WeCom and Feishu: three connector entries sharing one rule
action, ``send_im``, that works with any of them."""

from dataclasses import replace

from brickwork.connectors.bots import dingtalk, feishu, wecom
from brickwork.connectors.bots.action import SEND_IM
from brickwork.connectors.registry import register

DINGTALK = register(replace(dingtalk.DINGTALK, actions=(SEND_IM,)))
WECOM = register(replace(wecom.WECOM, actions=(SEND_IM,)))
FEISHU = register(replace(feishu.FEISHU, actions=(SEND_IM,)))
