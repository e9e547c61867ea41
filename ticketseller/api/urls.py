from django.urls import path

from accounts.apis import RegisterApi, TokenApi
from events.apis import EventDetailApi, EventListApi
from events.queue_apis import EventQueueApi
from payments.apis import (
    ExchangeValidationApi,
    PurchaseDetailApi,
    PurchaseListCreateApi,
    WorkersStatusApi,
)
from ticketseller.api.health import HealthApi
from ticketseller.api.root import ApiRootApi
from wallet.apis import WalletDepositApi, WalletDetailApi, WalletEntryListApi

urlpatterns = [
    path("", ApiRootApi.as_view(), name="api-root"),
    path("health/", HealthApi.as_view(), name="health"),
    path("auth/register/", RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
    path("events/", EventListApi.as_view(), name="event-list"),
    path("events/<int:pk>/", EventDetailApi.as_view(), name="event-detail"),
    path("events/<int:pk>/queue/", EventQueueApi.as_view(), name="event-queue"),
    path("wallet/", WalletDetailApi.as_view(), name="wallet-detail"),
    path("wallet/entries/", WalletEntryListApi.as_view(), name="wallet-entries"),
    path("wallet/deposits/", WalletDepositApi.as_view(), name="wallet-deposit"),
    path("purchases/", PurchaseListCreateApi.as_view(), name="purchase-list"),
    path("purchases/<uuid:pk>/", PurchaseDetailApi.as_view(), name="purchase-detail"),
    path("workers/status/", WorkersStatusApi.as_view(), name="workers-status"),
    path("exchange/validations/", ExchangeValidationApi.as_view(), name="exchange-validations"),
]
