"""Forms for login, account preferences and user administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from app.auth.models import OrganisationKind
from app.core.policy import Role
from app.forms import FlaskForm, choices

ROLE_LABELS = {
    Role.ADMIN: _l("Amministratore"),
    Role.COORDINATOR: _l("Coordinatore"),
    Role.OPERATOR: _l("Operatore"),
    Role.DRIVER: _l("Autista"),
    Role.SOCIAL_WORKER: _l("Assistente sociale"),
    Role.COMPANY: _l("Impresa (simbiosi)"),
}
KIND_LABELS = {
    OrganisationKind.OPERATOR: _l("Gestore della raccolta"),
    OrganisationKind.SOCIAL_SERVICES: _l("Servizi sociali"),
    OrganisationKind.COORDINATION: _l("Coordinamento"),
    OrganisationKind.FIRM: _l("Impresa della moda o del tessile"),
    OrganisationKind.MAKERSPACE: _l("Makerspace o fablab"),
    OrganisationKind.SOCIAL_ENTERPRISE: _l("Cooperativa sociale o start-up"),
    OrganisationKind.SCHOOL: _l("Scuola"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Campo obbligatorio.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Campo obbligatorio.")), Length(max=200)])
    submit = SubmitField(_l("Accedi"))


class LogoutForm(FlaskForm):
    pass


class AccountForm(FlaskForm):
    locale = SelectField(_l("Lingua"), choices=choices([("it", "Italiano"), ("en", "English")]))
    submit = SubmitField(_l("Salva"))


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Password attuale"), validators=[DataRequired(_l("Campo obbligatorio.")), Length(max=200)]
    )
    new = PasswordField(
        _l("Nuova password (almeno 10 caratteri)"),
        validators=[DataRequired(_l("Campo obbligatorio.")), Length(min=10, max=200)],
    )
    repeated = PasswordField(
        _l("Ripeti la nuova password"), validators=[DataRequired(_l("Campo obbligatorio.")), Length(max=200)]
    )
    submit = SubmitField(_l("Cambia password"))


class UserForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Campo obbligatorio.")),
            Email(_l("E-mail non valida.")),
            Length(max=254),
        ],
    )
    full_name = StringField(_l("Nome e cognome"), validators=[DataRequired(_l("Campo obbligatorio.")), Length(max=120)])
    role = SelectField(_l("Ruolo"), choices=choices([(r.value, label) for r, label in ROLE_LABELS.items()]))
    organisation_id = SelectField(_l("Organizzazione"), coerce=int)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(min=10, max=200)])
    locale = SelectField(_l("Lingua"), choices=choices([("it", "Italiano"), ("en", "English")]))
    active = BooleanField(_l("Attivo"), default=True)
    submit = SubmitField(_l("Salva"))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Nome"), validators=[DataRequired(_l("Campo obbligatorio.")), Length(max=120)])
    kind = SelectField(_l("Tipo"), choices=choices([(k.value, label) for k, label in KIND_LABELS.items()]))
    comuni = SelectMultipleField(_l("Comuni coperti"), choices=[])
    submit = SubmitField(_l("Salva"))
