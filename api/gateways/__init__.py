"""Carrier adapters behind the domain port ``domain.gateway.SmsGateway``: one module each."""
