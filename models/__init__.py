"""All tables; importing this package registers every one with SQLModel.metadata."""
from models.org import Municipality, School, SchoolSettings  # noqa: F401
from models.people import (  # noqa: F401
    Consent, CredentialIssue, Enrollment, Guardian, LoginAttempt, RoleGrant, Staff, Student,
    StudentGuardian, User, UserSession,
)
from models.calendar import AcademicYear, BellSchedule, Holiday, StudyPeriod  # noqa: F401
from models.study import (  # noqa: F401
    CurriculumItem, Lesson, LessonPlan, PlannedTopic, SchoolClass, Subgroup, SubgroupMember,
    Subject, Substitution, TeachingAssignment, TimetableSlot,
)
from models.journal import (  # noqa: F401
    Attendance, DiaryVisit, Homework, HomeworkMiss, Mark, PeriodMark, Work, WorkType,
)
from models.comms import (  # noqa: F401
    Attachment, CellGrant, ControlAct, CorrectionRequest, Document, Message, MessageThread, Notice,
    OlympiadResult, OlympiadVenue, ThreadMember,
)
from models.audit import AuditEvent  # noqa: F401
from models.movement import Movement  # noqa: F401
from models.indicators import IndicatorSetting  # noqa: F401
from models.timetable import LessonMove  # noqa: F401
from models.moderation import MessageReport  # noqa: F401
from models.duties import AbsenceNote, RequiredDocument  # noqa: F401
from models.mail import MailAddress, MailOutbox, MailSettings, MailSubscription  # noqa: F401
from models.exams import ExamResult  # noqa: F401
