from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`{count, next, previous, results}` with `?page=`; a page past the end is a 404."""

    page_size = 25
