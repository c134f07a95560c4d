import json

from celery.result import AsyncResult
from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from . import notifications
from .tasks import reverse_text


def _body(request):
    """Fields from a JSON body or a form post."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST


@require_GET
def index(request):
    # Django's cache lives on the broker too: a visit counter shared by every server.
    cache.add("visits", 0, timeout=None)
    visits = cache.incr("visits")
    return render(
        request,
        "demo/index.html",
        {"server_name": settings.SERVER_NAME, "visits": visits, "room": request.GET.get("room", "lobby")},
    )


@require_POST
def notify(request):
    text = str(_body(request).get("text", "")).strip()[:500]
    if not text:
        return JsonResponse({"error": "text is required"}, status=400)
    receivers = notifications.publish(text)
    return JsonResponse({"published": text, "receivers": receivers})


@require_GET
def notifications_view(request):
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    return JsonResponse(
        {
            "server": settings.SERVER_NAME,
            "listening": notifications.subscribed.is_set(),
            "notifications": notifications.received(after),
        }
    )


@require_POST
def start_task(request):
    text = str(_body(request).get("text", "")).strip()[:500]
    if not text:
        return JsonResponse({"error": "text is required"}, status=400)
    result = reverse_text.delay(text)
    # Return at once: the worker does the job, the page polls task_status.
    return JsonResponse({"task_id": result.id, "state": "PENDING"}, status=202)


@require_GET
def task_status(request, task_id):
    result = AsyncResult(task_id)
    body = {"task_id": task_id, "state": result.state}
    if result.successful():
        body["result"] = result.result
    elif result.failed():
        body["error"] = repr(result.result)
    return JsonResponse(body)
