"""Drafts for comment sent down by higher levels (上级征求意见稿): register, assign, reply, record sending."""
