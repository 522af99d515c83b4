"""Small ASGI apps our tests fuzz over real HTTP; each module's source is also copied into pytester folders."""
