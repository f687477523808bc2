"""NiceGUI pages and components. They call domain services only, off the event loop."""
