"""Widgets of the console: the list panes and the parts they share."""
