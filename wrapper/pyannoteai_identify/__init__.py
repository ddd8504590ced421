"""pyannoteai-identify: identify known speakers in audio with the pyannoteAI API."""
