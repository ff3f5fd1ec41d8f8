"""Connectors: how apps reach mail, team chats and other systems (issue 18).

Each connector is one package under ``connectors/`` with one ``Connector`` entry
(``registry.py``), all of the same shape. Connectors stand above the engines: they plug
their actions into the rules engine's registry and their channels into notifications.
"""
