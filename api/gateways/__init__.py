"""Carrier adapters behind the domain's ``SmsGateway`` port (domain/gateway.py), one module each."""
