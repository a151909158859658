"""Flask extensions, created unbound and initialised in the app factory."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from tracker.db import Base, render_migration_item
from tracker.tenancy import TownSession

# Every session reads within the request's town (tracker/tenancy.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": TownSession})
migrate = Migrate(compare_type=True, render_as_batch=True, render_item=render_migration_item)
csrf = CSRFProtect()
login_manager = LoginManager()
