"""The enablement app's API routers, one module per sub-domain; ``channelops/api.py`` mounts them."""

from .awards import awards_router
from .plans import plans_router
from .records import router

__all__ = ["awards_router", "plans_router", "router"]
