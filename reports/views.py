from django.http import HttpResponse


def report_index(request):
    return HttpResponse("")
