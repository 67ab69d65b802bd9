"""The quality API: DRF viewsets over the same domain functions as the screens."""
