"""Certificate login: one-time challenges, sessions shared by every app process, and the login itself."""
