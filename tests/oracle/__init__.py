"""PyTorch as an oracle for tinyprop's ops (OpInfo sample inputs); needs torch and expecttest."""
