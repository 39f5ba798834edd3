"""Browser URLs of the Partner Center formats (bulk CSV), mounted at /partner-center/."""

app_name = "partnercenter"
urlpatterns: list = []
