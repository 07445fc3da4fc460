"""The certificate's own words, in its language pair (Vietnamese, then English).

Shared by the PDF and the public verification page, so that what a verifier reads online
is worded exactly as what the holder shows on paper, whatever the browser's language.
"""

TITLE = (
    "GIẤY CHỨNG NHẬN CHUYÊN GIA NĂNG SUẤT CHẤT LƯỢNG",
    "Certificate of Productivity and Quality Expert",
)
CERTIFIES = ("CHỨNG NHẬN ÔNG/BÀ", "This is to certify that")
HAS_MET = ("Đã đáp ứng các yêu cầu đối với", "has met the requirements for")
NATIONAL_HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
PLACE_OF_ISSUE = "Hà Nội"
SCAN_TO_VERIFY = ("Quét mã để kiểm tra", "Scan to verify")

LEVELS = {
    "national": (
        "Chuyên gia năng suất chất lượng cấp quốc gia",
        "National productivity and quality expert",
    ),
    "regional": (
        "Chuyên gia năng suất chất lượng cấp khu vực",
        "Regional productivity and quality expert",
    ),
    "international": (
        "Chuyên gia năng suất chất lượng cấp quốc tế",
        "International productivity and quality expert",
    ),
}

SCOPE = (
    "Tư vấn, đào tạo và hướng dẫn cải tiến năng suất chất lượng cho cơ quan, tổ chức, doanh nghiệp",
    "Consulting, training and coaching on productivity and quality improvement "
    "for agencies, organisations and enterprises",
)

LABELS = {
    "holder": ("Họ và tên", "Full name"),
    "date_of_birth": ("Ngày sinh", "Date of birth"),
    "number": ("Số hiệu", "Certificate number"),
    "level": ("Cấp độ", "Level"),
    "scope": ("Phạm vi", "Scope"),
    "scheme": ("Tiêu chuẩn", "Scheme"),
    "issuing_body": ("Cơ quan cấp", "Issued by"),
    "issued_on": ("Ngày cấp", "Date of issue"),
    "valid_until": ("Có giá trị đến", "Valid until"),
    "status": ("Tình trạng", "Status"),
    "reason": ("Lý do", "Reason"),
    "superseded_by": ("Được thay thế bởi", "Replaced by"),
}

STATUSES = {
    "valid": ("Còn hiệu lực", "Valid"),
    "suspended": ("Đang bị đình chỉ", "Suspended"),
    "withdrawn": ("Đã bị thu hồi", "Withdrawn"),
    "expired": ("Đã hết hiệu lực", "Expired"),
    "superseded": ("Đã được thay thế", "Superseded"),
}

# The public reason of a suspension or withdrawal (registry.enums.PublicReason).
REASONS = {
    "under_review_after_complaint": (
        "Đang được xem xét sau khiếu nại",
        "Under review after a complaint",
    ),
    "requirements_no_longer_met": (
        "Không còn đáp ứng yêu cầu chứng nhận",
        "Certification requirements no longer met",
    ),
    "at_holders_request": ("Theo đề nghị của người được chứng nhận", "At the holder's request"),
    "misuse_of_certificate": ("Sử dụng sai giấy chứng nhận", "Misuse of the certificate"),
    "code_of_conduct_breach": (
        "Vi phạm quy tắc đạo đức nghề nghiệp",
        "Breach of the code of conduct",
    ),
}

VERIFY_TITLE = ("Kiểm tra giấy chứng nhận", "Certificate verification")
NOT_FOUND = (
    "Không tìm thấy giấy chứng nhận nào khớp với số hiệu và mã kiểm tra này.",
    "No certificate matches this number and verification code.",
)
NOT_FOUND_HINT = (
    "Hãy quét lại mã QR trên giấy chứng nhận, hoặc nhập đúng đường dẫn in bên dưới mã.",
    "Scan the QR code on the certificate again, or type the address printed under it exactly.",
)


def numeric_date(day):
    """21/11/2026."""
    return day.strftime("%d/%m/%Y")


def long_date(day):
    """'ngày 05 tháng 3 năm 2026': as Vietnamese official documents write it.

    Days below 10 and the months January and February take a leading zero
    (Decree 30/2020/NĐ-CP, appendix I), so that nothing can be written in front of them.
    """
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"
