from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from registry.forms import RegistryForm


class ExamSessionForm(RegistryForm):
    course_id = SelectField(_l("Course"), coerce=int)
    held_on = DateField(_l("Exam date"), validators=[DataRequired()])
    examiner_id = SelectField(_l("Examiner"), coerce=int, validators=[DataRequired()])
    pass_mark = IntegerField(_l("Pass mark"), validators=[InputRequired(), NumberRange(min=0)])
    max_score = IntegerField(
        _l("Maximum score"), default=100, validators=[InputRequired(), NumberRange(min=1)]
    )


class ResultForm(RegistryForm):
    email = EmailField(_l("Expert's email"), validators=[DataRequired(), Length(max=254)])
    score = IntegerField(_l("Score"), validators=[InputRequired()])
